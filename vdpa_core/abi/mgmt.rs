// SPDX-License-Identifier: GPL-2.0

//! Management devices as a Rust parent registers them: [`MgmtOps`] is
//! `struct vdpa_mgmtdev_ops`, [`MgmtRegistration`] owns a registered
//! `struct vdpa_mgmt_dev` and unregisters it (deleting its devices) when
//! dropped.

use core::marker::PhantomData;
use core::ptr;

use kernel::ffi::{c_char, c_int};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

use super::bindings;

/// What `dev_add`/`dev_set_attr` were asked for (`struct vdpa_dev_set_config`).
pub(crate) struct SetConfig<'a>(&'a bindings::vdpa_dev_set_config);

impl SetConfig<'_> {
    /// Whether the request carried netlink attribute `attr`.
    pub(crate) fn has(&self, attr: u32) -> bool {
        attr < 64 && self.0.mask & (1u64 << attr) != 0
    }

    /// Device features asked for (with `VDPA_ATTR_DEV_FEATURES`).
    pub(crate) fn device_features(&self) -> u64 {
        self.0.device_features
    }

    /// MAC address asked for (with `VDPA_ATTR_DEV_NET_CFG_MACADDR`).
    pub(crate) fn mac(&self) -> [u8; 6] {
        self.0.net.mac
    }

    /// MTU asked for (with `VDPA_ATTR_DEV_NET_CFG_MTU`).
    pub(crate) fn mtu(&self) -> u16 {
        self.0.net.mtu
    }

    /// Queue pairs asked for (with `VDPA_ATTR_DEV_NET_CFG_MAX_VQP`).
    pub(crate) fn max_vq_pairs(&self) -> u16 {
        self.0.net.max_vq_pairs
    }
}

/// The operations of a management device.
#[vtable]
pub(crate) trait MgmtOps: Sized + Send + Sync {
    /// Creates, registers (with `Device::register_managed`) and binds to
    /// this management device a vDPA device called `name`. Runs with the
    /// core's device-list lock held.
    fn dev_add(mdev: &MgmtDev<Self>, name: &CStr, config: &SetConfig<'_>) -> Result;
    /// Unregisters a device this management device created
    /// (`Device::unregister_managed`). Runs with the device-list lock held.
    fn dev_del(mdev: &MgmtDev<Self>, vdev: *mut bindings::vdpa_device);
    /// Changes attributes of a device (DEV_ATTR_SET).
    fn dev_set_attr(_mdev: &MgmtDev<Self>, _vdev: *mut bindings::vdpa_device, _config: &SetConfig<'_>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// A management device with data `T`.
///
/// # Invariants
///
/// `raw` is at offset 0, its `ops` point at `MgmtTable::<T>::VTABLE`.
#[repr(C)]
pub(crate) struct MgmtDev<T> {
    raw: Opaque<bindings::vdpa_mgmt_dev>,
    data: T,
}

impl<T> MgmtDev<T> {
    /// The data.
    pub(crate) fn data(&self) -> &T {
        &self.data
    }

    /// The C management device, for `Device::set_mgmt`.
    pub(crate) fn as_raw(&self) -> *mut bindings::vdpa_mgmt_dev {
        self.raw.get()
    }

    /// # Safety
    ///
    /// `raw` must be the `raw` of a live `MgmtDev<T>`.
    unsafe fn from_raw<'a>(raw: *mut bindings::vdpa_mgmt_dev) -> &'a Self {
        // SAFETY: `raw` is the first field (caller).
        unsafe { &*raw.cast::<Self>() }
    }
}

struct MgmtTable<T>(PhantomData<T>);

impl<T: MgmtOps> MgmtTable<T> {
    const VTABLE: bindings::vdpa_mgmtdev_ops = bindings::vdpa_mgmtdev_ops {
        dev_add: Some(Self::dev_add),
        dev_del: Some(Self::dev_del),
        dev_set_attr: if T::HAS_DEV_SET_ATTR { Some(Self::dev_set_attr) } else { None },
    };

    // The core calls these on a registered management device of this
    // table, which lives until unregistered (the registration's drop).

    unsafe extern "C" fn dev_add(
        m: *mut bindings::vdpa_mgmt_dev,
        name: *const c_char,
        config: *const bindings::vdpa_dev_set_config,
    ) -> c_int {
        // SAFETY: see above; the name and config are valid for the call.
        kernel::error::from_result(|| unsafe {
            T::dev_add(MgmtDev::from_raw(m), CStr::from_char_ptr(name), &SetConfig(&*config)).map(|()| 0)
        })
    }

    unsafe extern "C" fn dev_del(m: *mut bindings::vdpa_mgmt_dev, vdev: *mut bindings::vdpa_device) {
        // SAFETY: see above.
        T::dev_del(unsafe { MgmtDev::from_raw(m) }, vdev)
    }

    unsafe extern "C" fn dev_set_attr(
        m: *mut bindings::vdpa_mgmt_dev,
        vdev: *mut bindings::vdpa_device,
        config: *const bindings::vdpa_dev_set_config,
    ) -> c_int {
        // SAFETY: see above; the config is valid for the call.
        kernel::error::from_result(|| unsafe {
            T::dev_set_attr(MgmtDev::from_raw(m), vdev, &SetConfig(&*config)).map(|()| 0)
        })
    }
}

/// What a management device offers.
pub(crate) struct MgmtInfo {
    /// Its device (a root device for software parents); must outlive the
    /// registration.
    pub(crate) device: *mut bindings::device,
    /// Virtio classes it creates, ending with an entry whose device is 0.
    pub(crate) id_table: &'static [bindings::virtio_device_id],
    /// `BIT_ULL(VDPA_ATTR_*)` of the attributes `dev_add` accepts.
    pub(crate) config_attr_mask: u64,
    /// Features it can offer.
    pub(crate) supported_features: u64,
    /// Most virtqueues of one device.
    pub(crate) max_supported_vqs: u32,
}

/// A registered management device; dropping it unregisters it, which
/// deletes every device it created.
pub(crate) struct MgmtRegistration<T: MgmtOps> {
    inner: KBox<MgmtDev<T>>,
}

// SAFETY: the C side is protected by the core's lock; `T` is Send + Sync.
unsafe impl<T: MgmtOps> Send for MgmtRegistration<T> {}
// SAFETY: as above.
unsafe impl<T: MgmtOps> Sync for MgmtRegistration<T> {}

impl<T: MgmtOps> MgmtRegistration<T> {
    /// Registers a management device with data `data`.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an id table without its end entry or a NULL device;
    /// `ENOMEM`; the core's error.
    pub(crate) fn new(info: MgmtInfo, data: T) -> Result<Self> {
        if info.device.is_null() || info.id_table.last().map_or(true, |e| e.device != 0) {
            return Err(EINVAL);
        }
        let inner = KBox::new(MgmtDev { raw: Opaque::uninit(), data }, GFP_KERNEL)?;
        let raw = inner.as_raw();
        // SAFETY: `raw` is owned storage; the C fields are plain data and
        // the ops table and id table are static.
        unsafe {
            ptr::write_bytes(raw, 0, 1);
            (*raw).device = info.device;
            (*raw).ops = &MgmtTable::<T>::VTABLE;
            (*raw).id_table = info.id_table.as_ptr().cast_mut();
            (*raw).config_attr_mask = info.config_attr_mask;
            (*raw).supported_features = info.supported_features;
            (*raw).max_supported_vqs = info.max_supported_vqs;
            kernel::error::to_result(bindings::vdpa_mgmtdev_register(raw))?;
        }
        Ok(Self { inner })
    }

    /// The management device.
    pub(crate) fn get(&self) -> &MgmtDev<T> {
        &self.inner
    }
}

impl<T: MgmtOps> Drop for MgmtRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `new`; the box outlives the call.
        unsafe { bindings::vdpa_mgmtdev_unregister(self.inner.as_raw()) };
    }
}
