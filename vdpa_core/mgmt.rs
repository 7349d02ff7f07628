// SPDX-License-Identifier: GPL-2.0

//! Management devices (parents that create vDPA devices on request):
//! `vdpa_mgmtdev_register`, `vdpa_mgmtdev_unregister`, and their lookup by
//! the netlink handle.
//!
//! The list is linked through `vdpa_mgmt_dev.list` and is the data of the
//! device-list lock ([`crate::state::DEV_LOCK`]): every function here that
//! reads it takes `&MgmtList`, every one that changes it `&mut MgmtList`,
//! which only a guard of that lock gives out.

use core::ptr;

use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

use crate::abi::bindings;
use crate::abi::bus::BusDevice;
use crate::{bus, state};

/// The registered management devices.
///
/// # Invariants
///
/// After [`MgmtList::init`], `head` is a list head whose entries are the
/// `list` members of registered `vdpa_mgmt_dev`s.
pub(crate) struct MgmtList {
    head: Opaque<bindings::list_head>,
}

// SAFETY: the list is only reached through the device-list lock.
unsafe impl Send for MgmtList {}
// SAFETY: as above.
unsafe impl Sync for MgmtList {}

/// A registered management device, borrowed from the list.
#[derive(Clone, Copy)]
pub(crate) struct Mgmt<'a> {
    raw: &'a bindings::vdpa_mgmt_dev,
}

impl<'a> Mgmt<'a> {
    /// The C management device.
    pub(crate) fn as_ptr(self) -> *mut bindings::vdpa_mgmt_dev {
        ptr::from_ref(self.raw).cast_mut()
    }

    /// The name of the bus its device sits on, if any.
    pub(crate) fn bus_name(self) -> Option<&'a CStr> {
        // SAFETY: a registered management device has a valid device; a
        // bus name is a static C string.
        unsafe {
            let bus = (*self.raw.device).bus;
            (!bus.is_null()).then(|| CStr::from_char_ptr((*bus).name))
        }
    }

    /// The name of its device.
    pub(crate) fn dev_name(self) -> &'a CStr {
        // SAFETY: a registered management device has a valid, named device.
        unsafe { crate::abi::device::dev_name(self.raw.device) }
    }

    /// Attributes `dev_add` accepts.
    pub(crate) fn config_attr_mask(self) -> u64 {
        self.raw.config_attr_mask
    }

    /// Features it can offer.
    pub(crate) fn supported_features(self) -> u64 {
        self.raw.supported_features
    }

    /// Most virtqueues of one device.
    pub(crate) fn max_supported_vqs(self) -> u32 {
        self.raw.max_supported_vqs
    }

    /// The virtio device ids of its id table.
    pub(crate) fn id_table(self) -> impl Iterator<Item = u32> + 'a {
        let mut entry = self.raw.id_table.cast_const();
        core::iter::from_fn(move || {
            if entry.is_null() {
                return None;
            }
            // SAFETY: the id table of a registered management device ends
            // with an entry whose device is 0; `entry` is at or before it.
            let device = unsafe { (*entry).device };
            if device == 0 {
                return None;
            }
            // SAFETY: not the end marker, so the next entry exists.
            entry = unsafe { entry.add(1) };
            Some(device)
        })
    }

    /// Its ops table.
    pub(crate) fn ops(self) -> &'a bindings::vdpa_mgmtdev_ops {
        // SAFETY: checked non-NULL at registration; static in its module.
        unsafe { &*self.raw.ops }
    }
}

impl MgmtList {
    /// An empty list, for the static; usable after [`Self::init`].
    pub(crate) const fn new() -> Self {
        Self { head: Opaque::uninit() }
    }

    /// Links the head to itself (module load).
    pub(crate) fn init(&mut self) {
        // SAFETY: static storage; `&mut self` means the write lock is held.
        unsafe { bindings::vdpa_rs_init_list_head(self.head.get()) };
    }

    /// Calls `f` on each management device in registration order and
    /// returns the first one it accepts.
    pub(crate) fn find(&self, mut f: impl FnMut(Mgmt<'_>) -> bool) -> Option<Mgmt<'_>> {
        let offset = core::mem::offset_of!(bindings::vdpa_mgmt_dev, list);
        let head = self.head.get();
        // SAFETY: the list is initialised and, with the lock held (`&self`
        // came from a guard), every entry is the `list` member of a
        // registered vdpa_mgmt_dev that stays registered meanwhile.
        unsafe {
            let mut pos = (*head).next;
            while pos != head {
                let m = Mgmt { raw: &*pos.cast::<u8>().sub(offset).cast::<bindings::vdpa_mgmt_dev>() };
                if f(m) {
                    return Some(m);
                }
                pos = (*pos).next;
            }
        }
        None
    }

    /// The management device a netlink handle names: a device on a bus only
    /// with that bus's name, a device on no bus only without one.
    pub(crate) fn lookup(&self, bus: Option<&[u8]>, dev: &[u8]) -> Option<Mgmt<'_>> {
        self.find(|m| m.bus_name().map(CStr::as_bytes) == bus && m.dev_name().as_bytes() == dev)
    }

    /// The registered management device `mdev` points to, if it is one.
    pub(crate) fn get(&self, mdev: *const bindings::vdpa_mgmt_dev) -> Option<Mgmt<'_>> {
        self.find(|m| ptr::eq(m.raw, mdev))
    }
}

/// Registers a management device. `-EINVAL` without a device, ops, or the
/// mandatory `dev_add`/`dev_del`.
///
/// # Safety
///
/// `mdev` must be valid until `vdpa_mgmtdev_unregister`.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_mgmtdev_register(mdev: *mut bindings::vdpa_mgmt_dev) -> c_int {
    // SAFETY: `mdev` is valid (caller).
    unsafe {
        if (*mdev).device.is_null()
            || (*mdev).ops.is_null()
            || (*(*mdev).ops).dev_add.is_none()
            || (*(*mdev).ops).dev_del.is_none()
        {
            return EINVAL.to_errno();
        }
        let list = ptr::addr_of_mut!((*mdev).list);
        bindings::vdpa_rs_init_list_head(list);
        let guard = state::write();
        bindings::vdpa_rs_list_add_tail(list, guard.mgmt.head.get());
    }
    0
}

/// Unregisters a management device and deletes, through its `dev_del`,
/// every vDPA device it created.
///
/// # Safety
///
/// `mdev` must be registered.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_mgmtdev_unregister(mdev: *mut bindings::vdpa_mgmt_dev) {
    let guard = state::write();
    // SAFETY: `mdev` is registered (caller) and the write lock is held.
    unsafe { bindings::vdpa_rs_list_del(ptr::addr_of_mut!((*mdev).list)) };
    // SAFETY: registered until now, valid (caller); `dev_del` is mandatory.
    let dev_del = unsafe { (*(*mdev).ops).dev_del };
    bus::for_each_dev(|dev: &BusDevice| {
        if dev.mgmt_raw() == mdev {
            if let Some(dev_del) = dev_del {
                // SAFETY: the device is one `mdev` created; the lock is held
                // as `dev_del` expects.
                unsafe { dev_del(mdev, dev.as_raw()) };
            }
        }
        Ok(())
    })
    // The closure never fails.
    .ok();
    drop(guard);
}
