// SPDX-License-Identifier: GPL-2.0

//! Errors the `kernel` crate of 6.12 has no constant for.

use kernel::prelude::*;

use crate::abi::bindings;

/// `-EOPNOTSUPP`.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as i32))
}

/// `-EMSGSIZE`.
pub(crate) fn emsgsize() -> Error {
    Error::from_errno(-(bindings::EMSGSIZE as i32))
}
