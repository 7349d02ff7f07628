// SPDX-License-Identifier: GPL-2.0

//! Management devices as a Rust parent registers them: [`MgmtOps`] is
//! `struct vdpa_mgmtdev_ops` with typed devices, [`MgmtRegistration`] owns
//! a registered `struct vdpa_mgmt_dev` and unregisters it (deleting its
//! devices) when dropped, and [`DevLock`] proves that the core's
//! device-list lock is held, which registering and unregistering a managed
//! device need.

use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr;
use core::sync::atomic::Ordering;

use kernel::ffi::{c_char, c_int};
use kernel::init::PinInit;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::{ARef, Opaque};

use super::bindings;
use super::config_ops::ConfigOps;
use super::device::{kdev_raw, Device, NewDevice, DEV_ADD_TASK};

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

/// Proof that the core's device-list lock is held, inside an op of the
/// management device of `M`: `dev_add`, `dev_del` or `dev_set_attr`. Only
/// the trampolines of this file make one, for the call's duration; it is
/// neither `Send` nor `Sync`.
pub(crate) struct DevLock<'a, M: MgmtOps> {
    mgmt: &'a MgmtDev<M>,
    _not_send: PhantomData<*mut ()>,
}

impl<M: MgmtOps> DevLock<'_, M> {
    /// The management device.
    pub(crate) fn mgmt(&self) -> &MgmtDev<M> {
        self.mgmt
    }

    /// Registers `dev`, with `nvqs` virtqueues, as created by this
    /// management device (`_vdpa_register_device`). The returned reference
    /// keeps the memory alive; the registration itself ends in `dev_del`.
    ///
    /// # Errors
    ///
    /// `EEXIST` if a device of this name exists, or the driver core's
    /// error; the device is then released.
    pub(crate) fn register(&self, mut dev: NewDevice<M::Dev>, nvqs: u32) -> Result<ARef<Device<M::Dev>>> {
        // SAFETY: the management device is registered and its `dev_del`
        // takes its devices as `Device<M::Dev>`, which `dev` is.
        unsafe { dev.set_mgmt(self.mgmt.as_raw()) };
        // SAFETY: the device came from `__vdpa_alloc_device`, has its
        // management device set, and the lock is held (`self`).
        let ptr = dev.register_with(|v| unsafe { bindings::_vdpa_register_device(v, nvqs) })?;
        // SAFETY: registered, so alive; the new reference is ours.
        Ok(ARef::from(unsafe { ptr.as_ref() }))
    }

    /// Unregisters a device of this management device
    /// (`_vdpa_unregister_device`); nothing if it is not registered. The
    /// device stays valid for the rest of the `dev_del` call (the
    /// trampoline holds a reference), so a parent may still stop its work
    /// on it.
    pub(crate) fn unregister(&self, dev: &Device<M::Dev>) {
        if dev.take_registration() {
            // SAFETY: registered through `register` (the flag), lock held.
            unsafe { bindings::_vdpa_unregister_device(dev.as_raw()) };
        }
    }
}

/// The operations of a management device.
#[vtable]
pub(crate) trait MgmtOps: Sized + Send + Sync + 'static {
    /// The data of the devices it creates.
    type Dev: ConfigOps;

    /// Creates a device called `name` and registers it with
    /// [`DevLock::register`]. Runs with the device-list lock held.
    fn dev_add(lock: &DevLock<'_, Self>, name: &CStr, config: &SetConfig<'_>) -> Result;
    /// Unregisters a device this management device created, with
    /// [`DevLock::unregister`]. Runs with the device-list lock held.
    fn dev_del(lock: &DevLock<'_, Self>, dev: &Device<Self::Dev>);
    /// Changes attributes of a device (DEV_ATTR_SET), with the
    /// device-list lock and the device's `cf_lock` held.
    fn dev_set_attr(_lock: &DevLock<'_, Self>, _dev: &Device<Self::Dev>, _config: &SetConfig<'_>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// A management device with data `M`.
///
/// # Invariants
///
/// `raw` is at offset 0 and is filled and registered by
/// [`MgmtRegistration::new`], with `MgmtTable::<M>::VTABLE` as ops.
#[repr(C)]
#[pin_data]
pub(crate) struct MgmtDev<M> {
    raw: Opaque<bindings::vdpa_mgmt_dev>,
    device: ARef<kernel::device::Device>,
    #[pin]
    data: M,
}

impl<M> MgmtDev<M> {
    /// The data.
    pub(crate) fn data(&self) -> Pin<&M> {
        // SAFETY: the management device is pinned in its box.
        unsafe { Pin::new_unchecked(&self.data) }
    }

    /// Its `struct device`.
    pub(crate) fn device(&self) -> &kernel::device::Device {
        &self.device
    }

    fn as_raw(&self) -> *mut bindings::vdpa_mgmt_dev {
        self.raw.get()
    }

    /// # Safety
    ///
    /// `raw` must be the `raw` of a live `MgmtDev<M>`.
    unsafe fn from_raw<'a>(raw: *mut bindings::vdpa_mgmt_dev) -> &'a Self {
        // SAFETY: `raw` is the first field (caller).
        unsafe { &*raw.cast::<Self>() }
    }
}

struct MgmtTable<M>(PhantomData<M>);

impl<M: MgmtOps> MgmtTable<M> {
    const VTABLE: bindings::vdpa_mgmtdev_ops = bindings::vdpa_mgmtdev_ops {
        dev_add: Some(Self::dev_add),
        dev_del: Some(Self::dev_del),
        dev_set_attr: if M::HAS_DEV_SET_ATTR { Some(Self::dev_set_attr) } else { None },
    };

    /// The core calls these with the device-list lock held, on a
    /// management device of this table, registered (so alive) until its
    /// registration is dropped.
    ///
    /// # Safety
    ///
    /// `m` must be such a management device, the lock held for the call.
    unsafe fn lock<'a>(m: *mut bindings::vdpa_mgmt_dev) -> DevLock<'a, M> {
        // SAFETY: guaranteed by the caller.
        DevLock { mgmt: unsafe { MgmtDev::from_raw(m) }, _not_send: PhantomData }
    }

    /// The device of a `dev_del`/`dev_set_attr` call.
    ///
    /// # Safety
    ///
    /// `vdev` must be a device the core passes for this management device.
    unsafe fn device<'a>(vdev: *mut bindings::vdpa_device) -> &'a Device<M::Dev> {
        // SAFETY: the core passes devices whose `mdev` is this management
        // device; only `DevLock::register` sets that, on a live
        // `Device<M::Dev>`, which stays alive while registered.
        unsafe { Device::from_raw(vdev) }
    }

    unsafe extern "C" fn dev_add(
        m: *mut bindings::vdpa_mgmt_dev,
        name: *const c_char,
        config: *const bindings::vdpa_dev_set_config,
    ) -> c_int {
        // SAFETY: the core calls `dev_add` as `lock` needs.
        let lock = unsafe { Self::lock(m) };
        // SAFETY: the core passes a C string and a config, valid for the call.
        let (name, config) = unsafe { (CStr::from_char_ptr(name), SetConfig(&*config)) };
        // SAFETY: `current` is always valid to read.
        let task = unsafe { bindings::vdpa_rs_current() };
        DEV_ADD_TASK.store(task, Ordering::Relaxed);
        let ret = kernel::error::from_result(|| M::dev_add(&lock, name, &config).map(|()| 0));
        DEV_ADD_TASK.store(ptr::null_mut(), Ordering::Relaxed);
        ret
    }

    unsafe extern "C" fn dev_del(m: *mut bindings::vdpa_mgmt_dev, vdev: *mut bindings::vdpa_device) {
        // SAFETY: the core calls `dev_del` as `lock` and `device` need.
        let (lock, dev) = unsafe { (Self::lock(m), Self::device(vdev)) };
        // `unregister` may drop the last reference the core holds; this one
        // keeps `dev` valid for the whole of `M::dev_del`, and the release
        // runs when it goes, after.
        let keep = ARef::from(dev);
        M::dev_del(&lock, &keep);
        drop(keep);
    }

    unsafe extern "C" fn dev_set_attr(
        m: *mut bindings::vdpa_mgmt_dev,
        vdev: *mut bindings::vdpa_device,
        config: *const bindings::vdpa_dev_set_config,
    ) -> c_int {
        // SAFETY: the core calls `dev_set_attr` as `lock` and `device`
        // need, with a config valid for the call.
        kernel::error::from_result(|| unsafe {
            M::dev_set_attr(&Self::lock(m), Self::device(vdev), &SetConfig(&*config)).map(|()| 0)
        })
    }
}

/// What a management device offers.
pub(crate) struct MgmtInfo {
    /// Its device (a root device for software parents); referenced for
    /// the registration's life.
    pub(crate) device: ARef<kernel::device::Device>,
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
///
/// # Invariants
///
/// `inner` is registered with the core.
pub(crate) struct MgmtRegistration<M: MgmtOps> {
    inner: Pin<KBox<MgmtDev<M>>>,
}

// SAFETY: the C side is protected by the core's lock; `M` is Send + Sync.
unsafe impl<M: MgmtOps> Send for MgmtRegistration<M> {}
// SAFETY: as above.
unsafe impl<M: MgmtOps> Sync for MgmtRegistration<M> {}

impl<M: MgmtOps> MgmtRegistration<M> {
    /// Registers a management device whose data `init` initialises.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an id table without its end entry; `ENOMEM`; the
    /// error of `init`; the core's error.
    pub(crate) fn new(info: MgmtInfo, init: impl PinInit<M, Error>) -> Result<Self> {
        if info.id_table.last().map_or(true, |e| e.device != 0) {
            return Err(EINVAL);
        }
        let device = info.device.clone();
        let inner = KBox::try_pin_init(
            try_pin_init!(MgmtDev::<M> { raw: Opaque::uninit(), device: device, data <- init }? Error),
            GFP_KERNEL,
        )?;
        let raw = inner.as_raw();
        // SAFETY: `raw` is pinned storage of ours, not registered yet; the
        // ops table and id table are static, the device referenced by
        // `inner`.
        unsafe {
            ptr::write_bytes(raw, 0, 1);
            (*raw).device = kdev_raw(&info.device);
            (*raw).ops = &MgmtTable::<M>::VTABLE;
            (*raw).id_table = info.id_table.as_ptr().cast_mut();
            (*raw).config_attr_mask = info.config_attr_mask;
            (*raw).supported_features = info.supported_features;
            (*raw).max_supported_vqs = info.max_supported_vqs;
            kernel::error::to_result(bindings::vdpa_mgmtdev_register(raw))?;
        }
        Ok(Self { inner })
    }

    /// The management device.
    pub(crate) fn get(&self) -> &MgmtDev<M> {
        &self.inner
    }
}

impl<M: MgmtOps> Drop for MgmtRegistration<M> {
    fn drop(&mut self) {
        // SAFETY: registered (type invariant); the box outlives the call,
        // and `dev_del` runs for every device before it returns.
        unsafe { bindings::vdpa_mgmtdev_unregister(self.inner.as_raw()) };
    }
}
