// SPDX-License-Identifier: GPL-2.0

//! VHOST_VDPA_SET_STATUS (contract B.7, `vhost_vdpa_set_status`).

use super::uapi::S_DRIVER_OK;
use super::Errno;

/// What SET_STATUS must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// `new == 0`: reset the device (flags from
    /// [`reset_flags`](super::features::reset_flags)) and return its
    /// error. If `leaves_driver_ok`, the queues' irq bypass producers are
    /// removed first.
    Reset {
        /// The current status has DRIVER_OK.
        leaves_driver_ok: bool,
    },
    /// Forward `new` to `set_status` and return 0 whatever the parent does.
    Forward {
        /// DRIVER_OK is set by this write: register the irq bypass
        /// producers after forwarding.
        enters_driver_ok: bool,
        /// DRIVER_OK is cleared by this write: always false here, since a
        /// non-zero status that clears a bit is refused; kept so the caller
        /// follows the C's shape.
        leaves_driver_ok: bool,
    },
}

/// Decides SET_STATUS from the `current` status (`get_status`) and the
/// `new` one. No ordering of the bits is enforced and re-writing the same
/// value is allowed.
///
/// # Errors
///
/// [`Errno::EINVAL`] if `new != 0` and `new` clears a bit of `current`;
/// nothing must then change.
pub(crate) fn set_status_action(current: u8, new: u8) -> Result<Action, Errno> {
    if new != 0 && current & !new != 0 {
        return Err(Errno::EINVAL);
    }
    let was_ok = current & S_DRIVER_OK != 0;
    let is_ok = new & S_DRIVER_OK != 0;
    if new == 0 {
        return Ok(Action::Reset {
            leaves_driver_ok: was_ok,
        });
    }
    Ok(Action::Forward {
        enters_driver_ok: is_ok && !was_ok,
        leaves_driver_ok: was_ok && !is_ok,
    })
}
