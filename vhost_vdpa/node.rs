// SPDX-License-Identifier: GPL-2.0

//! The char device of one vdpa device, `/dev/vhost-vdpa-N`.
//!
//! A [`Node`] is a `struct device` (a child of the vdpa device, named
//! `vhost-vdpa-N`, with the minor N) and its `struct cdev`, followed by the
//! Rust state. It is reference counted through the device: the bus
//! driver's [`NodeHandle`] holds one reference and every open file one
//! more, so a file outlives neither its node nor the vdpa device, which
//! the node references in turn.
//!
//! Only one file is open at a time (`open` of a second one is `EBUSY`).
//! Removal deletes the char device at once, so no new open finds it, then
//! waits for the open file to be released before it drops its reference.

use core::ffi::{c_int, c_uint, c_void};
use core::mem::offset_of;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

use kernel::c_str;
use kernel::prelude::*;
use kernel::sync::{new_condvar, new_mutex, CondVar, Mutex};
use kernel::types::{ARef, Opaque};

use crate::abi::bindings;
use crate::abi::bus::BusDevice;
use crate::logic::uapi::VHOST_VDPA_DEV_MAX;
use crate::abi::eventfd::EventSlot;
use crate::session::Session;

/// Bits of the minor in a `dev_t`.
const MINOR_BITS: u32 = 20;

/// The char region's major, set once the region is allocated.
static MAJOR: AtomicU32 = AtomicU32::new(0);
/// The module's file operations, set while the region exists.
static FOPS: AtomicPtr<bindings::file_operations> = AtomicPtr::new(ptr::null_mut());
/// The doorbell mappings' operations, set while the region exists.
static VM_OPS: AtomicPtr<bindings::vm_operations_struct> = AtomicPtr::new(ptr::null_mut());
/// The minor allocator, set while the region exists.
static MINORS: AtomicPtr<bindings::ida> = AtomicPtr::new(ptr::null_mut());

/// The module's char region (`VHOST_VDPA_DEV_MAX` minors), its file
/// operations and its minor allocator.
///
/// # Invariants
///
/// The region `MAJOR:0..VHOST_VDPA_DEV_MAX` is allocated; `FOPS` and
/// `MINORS` point at `fops` and `ida`.
pub(crate) struct ChrRegion {
    fops: Pin<KBox<Opaque<bindings::file_operations>>>,
    vm_ops: Pin<KBox<Opaque<bindings::vm_operations_struct>>>,
    ida: Pin<KBox<Opaque<bindings::ida>>>,
}

// SAFETY: the file operations are read-only after `new`; the IDA locks
// itself.
unsafe impl Send for ChrRegion {}
// SAFETY: `&ChrRegion` gives access to nothing; the tables are only read
// by the kernel and the IDA locks itself.
unsafe impl Sync for ChrRegion {}

impl ChrRegion {
    /// Allocates the region, named `vhost-vdpa` as upstream's.
    pub(crate) fn new(module: &'static ThisModule) -> Result<Self> {
        let fops = KBox::pin(Opaque::<bindings::file_operations>::uninit(), GFP_KERNEL)?;
        let ida = KBox::pin(Opaque::<bindings::ida>::uninit(), GFP_KERNEL)?;
        let vm_ops = KBox::pin(Opaque::<bindings::vm_operations_struct>::uninit(), GFP_KERNEL)?;
        let f = fops.get();
        // SAFETY: `f` is ours, pinned, and written whole before use: all
        // NULL but the operations below. No `read` and no `poll`, as
        // upstream: read(2) gets EINVAL, poll(2) the default mask.
        unsafe {
            ptr::write_bytes(f, 0, 1);
            (*f).owner = module.as_ptr();
            (*f).open = Some(fop_open);
            (*f).release = Some(fop_release);
            (*f).write_iter = Some(fop_write_iter);
            (*f).unlocked_ioctl = Some(fop_ioctl);
            (*f).compat_ioctl = Some(bindings::compat_ptr_ioctl);
            (*f).llseek = Some(bindings::noop_llseek);
            (*f).mmap = Some(fop_mmap);
            ptr::write_bytes(vm_ops.get(), 0, 1);
            (*vm_ops.get()).fault = Some(doorbell_fault);
            bindings::vdpa_rs_ida_init(ida.get());
        }
        let mut dev: bindings::dev_t = 0;
        // SAFETY: `dev` is a local; the name is static.
        kernel::error::to_result(unsafe {
            bindings::alloc_chrdev_region(&mut dev, 0, VHOST_VDPA_DEV_MAX, c_str!("vhost-vdpa").as_char_ptr())
        })?;
        MAJOR.store(dev >> MINOR_BITS, Ordering::Release);
        FOPS.store(f, Ordering::Release);
        VM_OPS.store(vm_ops.get(), Ordering::Release);
        MINORS.store(ida.get(), Ordering::Release);
        Ok(Self { fops, vm_ops, ida })
    }
}

impl Drop for ChrRegion {
    fn drop(&mut self) {
        FOPS.store(ptr::null_mut(), Ordering::Release);
        VM_OPS.store(ptr::null_mut(), Ordering::Release);
        MINORS.store(ptr::null_mut(), Ordering::Release);
        let major = MAJOR.load(Ordering::Acquire);
        // SAFETY: allocated in `new` (type invariant); the driver, dropped
        // before, removed every node, so no minor is in use.
        unsafe {
            bindings::unregister_chrdev_region(major << MINOR_BITS, VHOST_VDPA_DEV_MAX);
            bindings::ida_destroy(self.ida.get());
        }
        let _ = (&self.fops, &self.vm_ops);
    }
}

/// Room for a `struct cdev`, which the kernel crate's bindings know only
/// by name.
#[repr(C, align(8))]
struct CdevRoom([u8; bindings::VDPA_RS_CDEV_SIZE as usize]);

const _: () = assert!(bindings::VDPA_RS_CDEV_ALIGN as usize <= core::mem::align_of::<CdevRoom>());

/// The char device of one vdpa device.
///
/// # Invariants
///
/// `dev` was initialised by `vdpa_rs_node_init` with [`Node::release`]
/// as its release, which frees the node; `cdev` is in it. The node is
/// pinned in a leaked `KBox`.
#[repr(C)]
#[pin_data]
pub(crate) struct Node {
    dev: Opaque<bindings::device>,
    cdev: Opaque<CdevRoom>,
    /// The vdpa device.
    pub(crate) vdpa: ARef<BusDevice>,
    minor: u32,
    /// Whether a file is open; after removal, always true.
    #[pin]
    opened: Mutex<bool>,
    #[pin]
    closed: CondVar,
    /// What the open file holds, and the lock of every ioctl and write.
    #[pin]
    pub(crate) session: Mutex<Session>,
    /// The config eventfd, which the parent's config callback reads
    /// (`SET_CONFIG_CALL`); here rather than in the session because the
    /// callback may run until the device is unbound.
    #[pin]
    config: EventSlot,
}

impl Node {
    fn config(&self) -> Pin<&EventSlot> {
        // SAFETY: nodes are pinned (type invariant).
        unsafe { Pin::new_unchecked(&self.config) }
    }

    unsafe extern "C" fn release(dev: *mut bindings::device) {
        // SAFETY: `dev` is the first field of a `Node` in a leaked `KBox`
        // (type invariant), and this is its last reference.
        let node = unsafe { KBox::from_raw(dev.cast::<Node>()) };
        let minors = MINORS.load(Ordering::Acquire);
        if !minors.is_null() {
            // SAFETY: the minor was allocated from this IDA in `create`.
            unsafe { bindings::ida_free(minors, node.minor) };
        }
        drop(node);
    }

    fn get(&self) {
        // SAFETY: a `&Node` comes with a reference.
        unsafe { bindings::vdpa_rs_get_device(self.dev.get()) };
    }

    /// Drops a reference.
    ///
    /// # Safety
    ///
    /// The caller owns a reference on `node` and does not use the node
    /// after this.
    unsafe fn put(node: *const Node) {
        // SAFETY: the reference the caller gives up.
        unsafe { bindings::put_device(Opaque::raw_get(ptr::addr_of!((*node).dev))) };
    }
}

/// The bus driver's reference on a node.
pub(crate) struct NodeHandle(NonNull<Node>);

// SAFETY: the node is reference counted and its state locked.
unsafe impl Send for NodeHandle {}
// SAFETY: `&NodeHandle` gives access to nothing but the pointer; the node
// behind it is reference counted and its state is behind mutexes.
unsafe impl Sync for NodeHandle {}

impl NodeHandle {
    /// Creates and adds the char device of `vdpa`.
    pub(crate) fn create(vdpa: &BusDevice) -> Result<KBox<Self>> {
        let (fops, minors) = (FOPS.load(Ordering::Acquire), MINORS.load(Ordering::Acquire));
        if fops.is_null() || minors.is_null() {
            return Err(ENODEV);
        }
        let handle = KBox::new(Self(NonNull::dangling()), GFP_KERNEL)?;
        // SAFETY: the IDA is initialised while the region exists.
        let minor = unsafe { bindings::ida_alloc_range(minors, 0, VHOST_VDPA_DEV_MAX - 1, bindings::GFP_KERNEL) };
        let minor = u32::try_from(minor).map_err(|_| Error::from_errno(minor))?;
        let vdpa_ref: ARef<BusDevice> = vdpa.into();
        let init = pin_init!(Node {
            dev: Opaque::uninit(),
            cdev: Opaque::uninit(),
            vdpa: vdpa_ref,
            minor,
            opened <- new_mutex!(false, "vhost_vdpa:opened"),
            closed <- new_condvar!("vhost_vdpa:closed"),
            session <- new_mutex!(Session::new(), "vhost_vdpa:session"),
            config <- EventSlot::new(),
        });
        let node = match KBox::pin_init(init, GFP_KERNEL) {
            Ok(n) => n,
            Err(e) => {
                // SAFETY: allocated above, not used since.
                unsafe { bindings::ida_free(minors, minor) };
                return Err(e);
            }
        };
        // SAFETY: the node stays pinned; from here its device's release
        // frees it.
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(node) });
        let major = MAJOR.load(Ordering::Acquire);
        // SAFETY: `raw` is a live node; `dev` and `cdev` are initialised
        // here, the release set before any reference can be dropped.
        let r = unsafe {
            bindings::vdpa_rs_node_init(
                (*raw).dev.get(),
                (*raw).cdev.get().cast(),
                (*raw).vdpa.as_dev(),
                (major << MINOR_BITS) | minor,
                fops,
                Some(Node::release),
                minor,
            )
        };
        let r = if r == 0 {
            // SAFETY: initialised above.
            unsafe { bindings::cdev_device_add((*raw).cdev.get().cast(), (*raw).dev.get()) }
        } else {
            r
        };
        if r != 0 {
            // SAFETY: the initial reference; the release frees the node and
            // its minor.
            unsafe { Node::put(raw) };
            return Err(Error::from_errno(r));
        }
        let mut handle = handle;
        // SAFETY: `raw` is non-null (from a box).
        handle.0 = unsafe { NonNull::new_unchecked(raw) };
        Ok(handle)
    }

    /// Removes the char device, waits for its file to be released, and
    /// drops the driver's reference.
    pub(crate) fn remove(self: KBox<Self>) {
        let raw = self.0.as_ptr();
        // SAFETY: the handle's reference keeps the node alive.
        let node = unsafe { &*raw };
        // SAFETY: added in `create`; no new open reaches the node after.
        unsafe { bindings::cdev_device_del(node.cdev.get().cast(), node.dev.get()) };
        let mut opened = node.opened.lock();
        while *opened {
            node.closed.wait(&mut opened);
        }
        // Claimed for good: an open that found the cdev before it was
        // deleted now gets EBUSY.
        *opened = true;
        drop(opened);
        // SAFETY: the handle's reference, not used after.
        unsafe { Node::put(raw) };
    }
}

/// The node of an open file.
///
/// # Safety
///
/// `file` must be a file opened by [`fop_open`] and not yet released.
unsafe fn file_node<'a>(file: *mut bindings::file) -> &'a Node {
    // SAFETY: `fop_open` stored the node with a reference that
    // `fop_release` drops (caller).
    unsafe { &*(*file).private_data.cast::<Node>() }
}

unsafe extern "C" fn fop_open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
    // SAFETY: the char device layer opens an inode of one of our cdevs,
    // which holds a reference on its node's device while the open runs.
    let node = unsafe {
        let cdev = (*inode).__bindgen_anon_4.i_cdev.cast::<u8>();
        &*cdev.sub(offset_of!(Node, cdev)).cast::<Node>()
    };
    {
        let mut opened = node.opened.lock();
        if *opened {
            return EBUSY.to_errno();
        }
        *opened = true;
    }
    if let Err(e) = node.session.lock().open(&node.vdpa) {
        *node.opened.lock() = false;
        node.closed.notify_all();
        return e.to_errno();
    }
    node.get();
    // SAFETY: `file` is being opened; its private data is ours.
    unsafe { (*file).private_data = ptr::from_ref(node).cast_mut().cast::<c_void>() };
    0
}

unsafe extern "C" fn fop_release(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
    // SAFETY: called once for a file `fop_open` opened.
    let node = unsafe { file_node(file) };
    node.session.lock().release(&node.vdpa, node.config());
    *node.opened.lock() = false;
    node.closed.notify_all();
    // SAFETY: the reference `fop_open` took; `node` is not used after.
    unsafe { Node::put(node) };
    0
}

unsafe extern "C" fn fop_write_iter(iocb: *mut bindings::kiocb, from: *mut bindings::iov_iter) -> isize {
    // SAFETY: the file of a write is open for the whole call.
    let node = unsafe { file_node((*iocb).ki_filp) };
    let mut msg = [0u8; crate::logic::uapi::IOTLB_MSG_LEN];
    // Only the first message of a write is consumed; a fault ends the copy
    // early, and the parser refuses what is missing (EINVAL, as upstream).
    // SAFETY: `from` is the write's iterator; `msg` is a local buffer.
    let n = unsafe { bindings::vdpa_rs_copy_from_iter(msg.as_mut_ptr().cast(), msg.len(), from) };
    let n = n.min(msg.len());
    match node.session.lock().write_msg(&node.vdpa, &msg[..n]) {
        Ok(ret) => ret as isize,
        Err(e) => e.to_errno() as isize,
    }
}

unsafe extern "C" fn fop_ioctl(file: *mut bindings::file, cmd: c_uint, arg: usize) -> isize {
    // SAFETY: the file is open for the whole call.
    let node = unsafe { file_node(file) };
    match node.session.lock().ioctl(&node.vdpa, node.config(), cmd, arg) {
        Ok(v) => v as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// The doorbell of queue `index` (a page offset), if the device has the
/// queue and a doorbell for it.
fn doorbell(node: &Node, index: u64) -> Option<crate::abi::vq::NotificationArea> {
    if index > 65535 {
        return None;
    }
    let vq = node.vdpa.vq(index as u16)?;
    node.vdpa.ops().get_vq_notification(vq)
}

/// `mmap` of a doorbell page, with upstream's checks in upstream's order.
unsafe extern "C" fn fop_mmap(file: *mut bindings::file, vma: *mut bindings::vm_area_struct) -> c_int {
    // SAFETY: the file is open for the whole call.
    let node = unsafe { file_node(file) };
    let (mut len, mut pgoff, mut shared, mut readable) = (0u64, 0u64, false, false);
    // SAFETY: `vma` is the mapping being set up; the out pointers are locals.
    unsafe { bindings::vdpa_rs_vma_request(vma, &mut len, &mut pgoff, &mut shared, &mut readable) };
    let page = crate::logic::pages::PAGE_SIZE;
    if len != page || !shared || readable {
        return EINVAL.to_errno();
    }
    if !node.vdpa.ops().has(crate::abi::ops_table::Op::GetVqNotification) {
        return -524;
    }
    let Some(area) = doorbell(node, pgoff) else { return EINVAL.to_errno() };
    if area.addr & (page - 1) != 0 {
        return EINVAL.to_errno();
    }
    if area.size != len {
        return -524;
    }
    // SAFETY: `vma` is being set up; the operations live as long as the
    // module, which the open file pins.
    unsafe { bindings::vdpa_rs_vma_doorbell(vma, VM_OPS.load(Ordering::Acquire)) };
    0
}

/// Inserts the doorbell page on first access; SIGBUS if there is none.
unsafe extern "C" fn doorbell_fault(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
    let mut pgoff = 0u64;
    // SAFETY: a fault of one of our doorbell mappings, whose file (ours,
    // open while mapped) is alive.
    let file = unsafe { bindings::vdpa_rs_fault_file(vmf, &mut pgoff) };
    // SAFETY: the mapping's file is one of ours, opened by `fop_open`,
    // and the mapping holds it, so it is not released yet.
    let node = unsafe { file_node(file) };
    let area = doorbell(node, pgoff);
    let pfn = area.map_or(0, |a| a.addr >> crate::logic::pages::PAGE_SHIFT);
    // SAFETY: `vmf` is the fault being handled.
    unsafe { bindings::vdpa_rs_fault_insert(vmf, area.is_some(), pfn) }
}
