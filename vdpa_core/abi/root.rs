// SPDX-License-Identifier: GPL-2.0

//! A root device (`root_device_register`): the sysfs home of a software
//! parent's management device, `/sys/devices/<name>`, as upstream's
//! simulators have.

use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::ARef;

use super::bindings;
use super::device::kdev_raw;

/// A registered root device, unregistered when dropped.
pub(crate) struct RootDevice(ARef<kernel::device::Device>);

impl RootDevice {
    /// Registers `/sys/devices/<name>`, owned by `module`.
    ///
    /// # Errors
    ///
    /// `EEXIST` if the name is taken, `ENOMEM`.
    pub(crate) fn new(name: &'static CStr, module: &'static ThisModule) -> Result<Self> {
        // SAFETY: the name is static; the result is checked.
        let dev = unsafe { bindings::__root_device_register(name.as_char_ptr(), module.as_ptr()) };
        let dev = kernel::error::from_err_ptr(dev)?;
        // SAFETY: a registered device; the new reference is ours.
        Ok(Self(unsafe { kernel::device::Device::get_device(dev) }))
    }

    /// The device.
    pub(crate) fn device(&self) -> &ARef<kernel::device::Device> {
        &self.0
    }
}

impl Drop for RootDevice {
    fn drop(&mut self) {
        // SAFETY: registered in `new`; our own reference is dropped after.
        unsafe { bindings::root_device_unregister(kdev_raw(&self.0)) };
    }
}
