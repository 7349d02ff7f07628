// SPDX-License-Identifier: GPL-2.0

//! vdpa_rs_test_parent: a parent and a bus driver written with the suite's
//! Rust ABI layer (`vdpa_core/abi`), for the edges of the bus core that the
//! simulators never reach. Loaded by `tests/vm/core_edges.sh` on the
//! upstream core and on ours.
//!
//! At load it registers:
//! - a bus driver `vdpa_rs_test_drv`;
//! - a management device `vdpa_rs_test` that creates console-class devices
//!   and accepts no attribute;
//! - a management device `vdpa_rs_test_multi` with net and block classes
//!   that accepts DEV_FEATURES, to reach the multi-class check of DEV_NEW;
//! - two devices no management device created: `rs_unmanaged0`, and
//!   `rs_badnum0` whose smallest ring (300) exceeds its largest (256), so
//!   the bus refuses to probe it.

use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use kernel::prelude::*;
use kernel::c_str;
use kernel::str::CStr;

#[path = "../../vdpa_core/abi/mod.rs"]
mod abi;

use abi::bindings;
use abi::config_ops::{Callback, ConfigOps, VqState};
use abi::device::Device;
use abi::driver::{BusDevice, Driver, DriverRegistration};
use abi::mgmt::{MgmtDev, MgmtInfo, MgmtOps, MgmtRegistration, SetConfig};

module! {
    type: TestParent,
    name: "vdpa_rs_test_parent",
    author: "vdpa-rs developers",
    description: "Test parent and bus driver for the vDPA core's edge cases",
    license: "GPL",
}

const VIRTIO_DEV_ANY_ID: u32 = 0xffff_ffff;
const VIRTIO_ID_NET: u32 = 1;
const VIRTIO_ID_BLOCK: u32 = 2;
const VIRTIO_ID_CONSOLE: u32 = 3;
const VDPA_ATTR_DEV_FEATURES: u32 = 20;
const VQ_NUM_MAX: u16 = 256;

static CONSOLE_IDS: [bindings::virtio_device_id; 2] = [
    bindings::virtio_device_id { device: VIRTIO_ID_CONSOLE, vendor: VIRTIO_DEV_ANY_ID },
    bindings::virtio_device_id { device: 0, vendor: 0 },
];

static MULTI_IDS: [bindings::virtio_device_id; 3] = [
    bindings::virtio_device_id { device: VIRTIO_ID_NET, vendor: VIRTIO_DEV_ANY_ID },
    bindings::virtio_device_id { device: VIRTIO_ID_BLOCK, vendor: VIRTIO_DEV_ANY_ID },
    bindings::virtio_device_id { device: 0, vendor: 0 },
];

/// A device that does nothing but keep its status and features.
struct TestDev {
    device_id: u32,
    num_min: u16,
    status: AtomicU8,
    features: AtomicU64,
}

impl TestDev {
    fn new(device_id: u32, num_min: u16) -> Self {
        Self { device_id, num_min, status: AtomicU8::new(0), features: AtomicU64::new(0) }
    }
}

#[vtable]
impl ConfigOps for TestDev {
    fn set_vq_address(_dev: &Device<Self>, _idx: u16, _d: u64, _dr: u64, _de: u64) -> Result {
        Ok(())
    }
    fn set_vq_num(_dev: &Device<Self>, _idx: u16, _num: u32) {}
    fn kick_vq(_dev: &Device<Self>, _idx: u16) {}
    fn set_vq_cb(_dev: &Device<Self>, _idx: u16, _cb: Callback) {}
    fn set_vq_ready(_dev: &Device<Self>, _idx: u16, _ready: bool) {}
    fn get_vq_ready(_dev: &Device<Self>, _idx: u16) -> bool {
        false
    }
    fn set_vq_state(_dev: &Device<Self>, _idx: u16, _state: &VqState) -> Result {
        Ok(())
    }
    fn get_vq_state(_dev: &Device<Self>, _idx: u16, state: &mut VqState) -> Result {
        state.set_split_avail_index(0);
        Ok(())
    }
    fn get_vq_align(_dev: &Device<Self>) -> u32 {
        4096
    }
    fn get_device_features(_dev: &Device<Self>) -> u64 {
        1 << 32
    }
    fn set_driver_features(dev: &Device<Self>, features: u64) -> Result {
        dev.data().features.store(features, Ordering::Relaxed);
        Ok(())
    }
    fn get_driver_features(dev: &Device<Self>) -> u64 {
        dev.data().features.load(Ordering::Relaxed)
    }
    fn set_config_cb(_dev: &Device<Self>, _cb: Callback) {}
    fn get_vq_num_max(_dev: &Device<Self>) -> u16 {
        VQ_NUM_MAX
    }
    fn get_vq_num_min(dev: &Device<Self>) -> u16 {
        dev.data().num_min
    }
    fn get_device_id(dev: &Device<Self>) -> u32 {
        dev.data().device_id
    }
    fn get_vendor_id(_dev: &Device<Self>) -> u32 {
        0
    }
    fn get_status(dev: &Device<Self>) -> u8 {
        dev.data().status.load(Ordering::Relaxed)
    }
    fn set_status(dev: &Device<Self>, status: u8) {
        dev.data().status.store(status, Ordering::Relaxed);
    }
    fn reset(dev: &Device<Self>) -> Result {
        dev.data().status.store(0, Ordering::Relaxed);
        dev.data().features.store(0, Ordering::Relaxed);
        Ok(())
    }
    fn get_config_size(_dev: &Device<Self>) -> usize {
        0
    }
    fn get_config(_dev: &Device<Self>, _offset: u32, buf: &mut [u8]) {
        buf.fill(0);
    }
    fn set_config(_dev: &Device<Self>, _offset: u32, _buf: &[u8]) {}
}

/// A management device creating devices of one virtio class.
struct TestMgmt {
    device_id: u32,
}

#[vtable]
impl MgmtOps for TestMgmt {
    fn dev_add(mdev: &MgmtDev<Self>, name: &CStr, _config: &SetConfig<'_>) -> Result {
        let dev = Device::alloc(core::ptr::null_mut(), 1, 1, Some(name), false, TestDev::new(mdev.data().device_id, 1))?;
        dev.set_mgmt(mdev.as_raw());
        if let Err(e) = dev.register_managed(1) {
            // SAFETY: never registered; not used afterwards.
            unsafe { dev.put() };
            return Err(e);
        }
        Ok(())
    }

    fn dev_del(_mdev: &MgmtDev<Self>, vdev: *mut bindings::vdpa_device) {
        // SAFETY: the core passes a device this management device created
        // (a `Device<TestDev>`), with the device-list lock held.
        unsafe { Device::<TestDev>::from_raw(vdev).unregister_managed() };
    }
}

/// A bus driver that binds to anything.
struct TestDrv;

#[vtable]
impl Driver for TestDrv {
    fn probe(dev: &BusDevice) -> Result {
        pr_info!("probe {} (device id {}, {} vqs)\n", dev.name(), dev.device_id(), dev.nvqs());
        Ok(())
    }
    fn remove(dev: &BusDevice) {
        pr_info!("remove {}\n", dev.name());
    }
}

/// A root device (sysfs parent of a management device), unregistered
/// when dropped.
struct RootDevice(*mut bindings::device);

impl RootDevice {
    fn new(name: &'static CStr, module: &'static ThisModule) -> Result<Self> {
        // SAFETY: the name is static; the result is checked.
        let dev = unsafe { bindings::__root_device_register(name.as_char_ptr(), module.as_ptr()) };
        Ok(Self(kernel::error::from_err_ptr(dev)?))
    }
}

impl Drop for RootDevice {
    fn drop(&mut self) {
        // SAFETY: registered in `new`.
        unsafe { bindings::root_device_unregister(self.0) };
    }
}

// SAFETY: the root device pointer is only used at load and unload.
unsafe impl Send for RootDevice {}
// SAFETY: as above.
unsafe impl Sync for RootDevice {}

/// An unmanaged device, unregistered when dropped.
struct Unmanaged(&'static Device<TestDev>);

impl Unmanaged {
    fn new(parent: &RootDevice, name: &'static CStr, num_min: u16) -> Result<Self> {
        let dev = Device::alloc(parent.0, 1, 1, Some(name), false, TestDev::new(VIRTIO_ID_CONSOLE, num_min))?;
        if let Err(e) = dev.register(1) {
            // SAFETY: never registered; not used afterwards.
            unsafe { dev.put() };
            return Err(e);
        }
        Ok(Self(dev))
    }
}

impl Drop for Unmanaged {
    fn drop(&mut self) {
        // SAFETY: registered in `new`; not used afterwards.
        unsafe { self.0.unregister() };
    }
}

struct TestParent {
    // Dropped in this order: devices, then management devices (which
    // delete theirs), then the driver, then the root devices.
    _badnum: Unmanaged,
    _unmanaged: Unmanaged,
    _multi: MgmtRegistration<TestMgmt>,
    _console: MgmtRegistration<TestMgmt>,
    _drv: DriverRegistration<TestDrv>,
    _root_multi: RootDevice,
    _root: RootDevice,
}

impl kernel::Module for TestParent {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let root = RootDevice::new(c_str!("vdpa_rs_test"), module)?;
        let root_multi = RootDevice::new(c_str!("vdpa_rs_test_multi"), module)?;
        let drv = DriverRegistration::<TestDrv>::new(c_str!("vdpa_rs_test_drv"), module)?;
        let console = MgmtRegistration::new(
            MgmtInfo {
                device: root.0,
                id_table: &CONSOLE_IDS,
                config_attr_mask: 0,
                supported_features: 1 << 32,
                max_supported_vqs: 1,
            },
            TestMgmt { device_id: VIRTIO_ID_CONSOLE },
        )?;
        let multi = MgmtRegistration::new(
            MgmtInfo {
                device: root_multi.0,
                id_table: &MULTI_IDS,
                config_attr_mask: 1 << VDPA_ATTR_DEV_FEATURES,
                supported_features: (1 << 32) | (1 << 5),
                max_supported_vqs: 2,
            },
            TestMgmt { device_id: VIRTIO_ID_NET },
        )?;
        let unmanaged = Unmanaged::new(&root, c_str!("rs_unmanaged0"), 1)?;
        let badnum = Unmanaged::new(&root, c_str!("rs_badnum0"), VQ_NUM_MAX + 44)?;
        Ok(Self {
            _badnum: badnum,
            _unmanaged: unmanaged,
            _multi: multi,
            _console: console,
            _drv: drv,
            _root_multi: root_multi,
            _root: root,
        })
    }
}
