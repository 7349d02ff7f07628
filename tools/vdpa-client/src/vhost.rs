// SPDX-License-Identifier: GPL-2.0

//! The vhost-vdpa character device: the ioctl request table and typed
//! wrappers around each request, plus the raw IOTLB `write()`.
//!
//! Every request in [`req`] carries its name, so a failure reads
//! `VHOST_SET_VRING_ADDR(vq 1): EINVAL`.

use std::ffi::CString;
use std::fmt;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// `struct vhost_vring_state`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VringState {
    /// Queue (or group) index.
    pub index: u32,
    /// The value.
    pub num: u32,
}

/// `struct vhost_vring_file`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VringFile {
    /// Queue index.
    pub index: u32,
    /// An eventfd, or -1 to unbind.
    pub fd: i32,
}

/// `struct vhost_vring_addr`: for vhost-vdpa the addresses are IOVAs.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VringAddr {
    /// Queue index.
    pub index: u32,
    /// Option flags (bit 0: log); always 0 here.
    pub flags: u32,
    /// Descriptor table.
    pub desc: u64,
    /// Used ring (device area).
    pub used: u64,
    /// Available ring (driver area).
    pub avail: u64,
    /// Log address (unused).
    pub log: u64,
}

/// `struct vhost_vdpa_iova_range`: inclusive bounds.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IovaRange {
    /// First usable IOVA.
    pub first: u64,
    /// Last usable IOVA.
    pub last: u64,
}

const _: () = assert!(size_of::<VringState>() == 8);
const _: () = assert!(size_of::<VringFile>() == 8);
const _: () = assert!(size_of::<VringAddr>() == 40);
const _: () = assert!(size_of::<IovaRange>() == 16);

/// One ioctl request: its name and its full request code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The uAPI macro name.
    pub name: &'static str,
    /// `dir << 30 | size << 16 | 0xAF << 8 | nr`.
    pub code: u64,
}

const VHOST_VIRTIO: u64 = 0xAF;
const DIR_NONE: u64 = 0;
const DIR_WRITE: u64 = 1;
const DIR_READ: u64 = 2;

const fn ioc(name: &'static str, dir: u64, nr: u64, size: usize) -> Request {
    Request {
        name,
        code: (dir << 30) | ((size as u64) << 16) | (VHOST_VIRTIO << 8) | nr,
    }
}

/// The request table (include/uapi/linux/vhost.h), the one place the
/// numbers are written down. Each constant is the uAPI macro of the same
/// name without its `VHOST_` / `VHOST_VDPA_` prefix.
#[allow(missing_docs)]
pub mod req {
    use super::*;

    const STATE: usize = size_of::<VringState>();
    const FILE: usize = size_of::<VringFile>();
    /// `struct vhost_vdpa_config` header: u32 off, u32 len.
    const CONFIG: usize = 8;

    pub const GET_FEATURES: Request = ioc("VHOST_GET_FEATURES", DIR_READ, 0x00, 8);
    pub const SET_FEATURES: Request = ioc("VHOST_SET_FEATURES", DIR_WRITE, 0x00, 8);
    pub const SET_OWNER: Request = ioc("VHOST_SET_OWNER", DIR_NONE, 0x01, 0);
    pub const SET_VRING_NUM: Request = ioc("VHOST_SET_VRING_NUM", DIR_WRITE, 0x10, STATE);
    pub const SET_VRING_ADDR: Request =
        ioc("VHOST_SET_VRING_ADDR", DIR_WRITE, 0x11, size_of::<VringAddr>());
    pub const SET_VRING_BASE: Request = ioc("VHOST_SET_VRING_BASE", DIR_WRITE, 0x12, STATE);
    pub const GET_VRING_BASE: Request =
        ioc("VHOST_GET_VRING_BASE", DIR_READ | DIR_WRITE, 0x12, STATE);
    pub const SET_VRING_KICK: Request = ioc("VHOST_SET_VRING_KICK", DIR_WRITE, 0x20, FILE);
    pub const SET_VRING_CALL: Request = ioc("VHOST_SET_VRING_CALL", DIR_WRITE, 0x21, FILE);
    pub const SET_BACKEND_FEATURES: Request =
        ioc("VHOST_SET_BACKEND_FEATURES", DIR_WRITE, 0x25, 8);
    pub const GET_BACKEND_FEATURES: Request =
        ioc("VHOST_GET_BACKEND_FEATURES", DIR_READ, 0x26, 8);
    pub const GET_DEVICE_ID: Request = ioc("VHOST_VDPA_GET_DEVICE_ID", DIR_READ, 0x70, 4);
    pub const GET_STATUS: Request = ioc("VHOST_VDPA_GET_STATUS", DIR_READ, 0x71, 1);
    pub const SET_STATUS: Request = ioc("VHOST_VDPA_SET_STATUS", DIR_WRITE, 0x72, 1);
    pub const GET_CONFIG: Request = ioc("VHOST_VDPA_GET_CONFIG", DIR_READ, 0x73, CONFIG);
    pub const SET_CONFIG: Request = ioc("VHOST_VDPA_SET_CONFIG", DIR_WRITE, 0x74, CONFIG);
    pub const SET_VRING_ENABLE: Request =
        ioc("VHOST_VDPA_SET_VRING_ENABLE", DIR_WRITE, 0x75, STATE);
    pub const GET_VRING_NUM: Request = ioc("VHOST_VDPA_GET_VRING_NUM", DIR_READ, 0x76, 2);
    pub const SET_CONFIG_CALL: Request = ioc("VHOST_VDPA_SET_CONFIG_CALL", DIR_WRITE, 0x77, 4);
    pub const GET_IOVA_RANGE: Request =
        ioc("VHOST_VDPA_GET_IOVA_RANGE", DIR_READ, 0x78, size_of::<IovaRange>());
    pub const GET_CONFIG_SIZE: Request = ioc("VHOST_VDPA_GET_CONFIG_SIZE", DIR_READ, 0x79, 4);
    pub const GET_AS_NUM: Request = ioc("VHOST_VDPA_GET_AS_NUM", DIR_READ, 0x7A, 4);
    pub const GET_VRING_GROUP: Request =
        ioc("VHOST_VDPA_GET_VRING_GROUP", DIR_READ | DIR_WRITE, 0x7B, STATE);
    pub const SET_GROUP_ASID: Request = ioc("VHOST_VDPA_SET_GROUP_ASID", DIR_WRITE, 0x7C, STATE);
    pub const SUSPEND: Request = ioc("VHOST_VDPA_SUSPEND", DIR_NONE, 0x7D, 0);
    pub const RESUME: Request = ioc("VHOST_VDPA_RESUME", DIR_NONE, 0x7E, 0);
    pub const GET_VRING_DESC_GROUP: Request =
        ioc("VHOST_VDPA_GET_VRING_DESC_GROUP", DIR_READ | DIR_WRITE, 0x7F, STATE);
    pub const GET_VQS_COUNT: Request = ioc("VHOST_VDPA_GET_VQS_COUNT", DIR_READ, 0x80, 4);
    pub const GET_GROUP_NUM: Request = ioc("VHOST_VDPA_GET_GROUP_NUM", DIR_READ, 0x81, 4);
    pub const GET_VRING_SIZE: Request =
        ioc("VHOST_VDPA_GET_VRING_SIZE", DIR_READ | DIR_WRITE, 0x82, STATE);
}

/// Backend feature bits (`VHOST_BACKEND_F_*`, vhost_types.h).
pub mod backend {
    /// IOTLB messages in the v2 format.
    pub const IOTLB_MSG_V2: u64 = 1 << 1;
    /// BATCH_BEGIN / BATCH_END.
    pub const IOTLB_BATCH: u64 = 1 << 2;
    /// The asid field of v2 messages is honoured.
    pub const IOTLB_ASID: u64 = 1 << 3;
    /// VHOST_VDPA_SUSPEND.
    pub const SUSPEND: u64 = 1 << 4;
    /// VHOST_VDPA_RESUME.
    pub const RESUME: u64 = 1 << 5;
    /// Rings may be enabled after DRIVER_OK.
    pub const ENABLE_AFTER_DRIVER_OK: u64 = 1 << 6;
    /// Descriptor groups have their own ASID.
    pub const DESC_ASID: u64 = 1 << 7;
    /// Mappings survive a device reset.
    pub const IOTLB_PERSIST: u64 = 1 << 8;
}

/// An ioctl or write that failed: what was asked and the errno.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The request and its argument, e.g. `VHOST_SET_VRING_NUM(vq 0)`.
    pub what: String,
    /// The errno.
    pub errno: i32,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, errno_name(self.errno))
    }
}

impl std::error::Error for Error {}

/// Result of a vhost operation.
pub type Result<T> = std::result::Result<T, Error>;

/// The symbolic name of the errnos this client can meet.
pub fn errno_name(e: i32) -> String {
    let name = match e {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::E2BIG => "E2BIG",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::ENOSPC => "ENOSPC",
        libc::ENOTTY => "ENOTTY",
        libc::ERANGE => "ERANGE",
        libc::ENOBUFS => "ENOBUFS",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ETIMEDOUT => "ETIMEDOUT",
        524 => "ENOTSUPP(524)",
        _ => return format!("errno {e}"),
    };
    name.to_string()
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// An open `/dev/vhost-vdpa-N`.
///
/// # Invariants
///
/// `fd` is an open file of the node for the lifetime of the value.
pub struct Vhost {
    fd: OwnedFd,
    path: String,
}

impl Vhost {
    /// Opens `path` read-write (vhost-vdpa allows one open at a time).
    ///
    /// # Errors
    ///
    /// The errno of `open(2)` (EBUSY when the node is already open).
    pub fn open(path: &str) -> Result<Self> {
        let what = || format!("open {path}");
        let cpath = CString::new(path).map_err(|_| Error { what: what(), errno: libc::EINVAL })?;
        // SAFETY: `cpath` is a valid NUL-terminated string for the duration of the call.
        let fd = unsafe { libc::open(cpath.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(Error { what: what(), errno: last_errno() });
        }
        // SAFETY: `fd` was just returned by open(2) and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Self { fd, path: path.to_string() })
    }

    /// The node path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Issues `req` with `arg` as its argument.
    ///
    /// # Safety
    ///
    /// `arg` must be valid for reads and writes of the size encoded in
    /// `req.code` (or be null for requests without an argument).
    unsafe fn ioctl_raw(&self, req: Request, arg: *mut libc::c_void, what: impl FnOnce() -> String) -> Result<i32> {
        // SAFETY: the fd is open (type invariant); the caller guarantees `arg`.
        let r = unsafe { libc::ioctl(self.fd.as_raw_fd(), req.code as libc::Ioctl, arg) };
        if r < 0 {
            return Err(Error { what: what(), errno: last_errno() });
        }
        Ok(r)
    }

    /// Issues `req` whose argument is exactly one `T`, in and/or out.
    fn ioctl_with<T: Copy>(&self, req: Request, arg: &mut T, what: impl FnOnce() -> String) -> Result<()> {
        debug_assert_eq!(((req.code >> 16) & 0x3fff) as usize, size_of::<T>());
        // SAFETY: `arg` is a valid, exclusively borrowed `T`, and the request
        // moves exactly `size_of::<T>()` bytes (checked above in debug builds,
        // and by the table's construction).
        unsafe { self.ioctl_raw(req, (arg as *mut T).cast(), what) }.map(|_| ())
    }

    fn get<T: Copy + Default>(&self, req: Request) -> Result<T> {
        let mut v = T::default();
        self.ioctl_with(req, &mut v, || req.name.to_string())?;
        Ok(v)
    }

    fn set<T: Copy>(&self, req: Request, mut v: T) -> Result<()> {
        self.ioctl_with(req, &mut v, || req.name.to_string())
    }

    fn none(&self, req: Request) -> Result<()> {
        // SAFETY: requests of the table with DIR_NONE take no argument.
        unsafe { self.ioctl_raw(req, std::ptr::null_mut(), || req.name.to_string()) }.map(|_| ())
    }

    fn state(&self, req: Request, index: u32, num: u32) -> Result<u32> {
        let mut s = VringState { index, num };
        self.ioctl_with(req, &mut s, || format!("{}({index}, {num})", req.name))?;
        Ok(s.num)
    }

    /// VHOST_SET_OWNER.
    ///
    /// # Errors
    ///
    /// EBUSY when already owned.
    pub fn set_owner(&self) -> Result<()> {
        self.none(req::SET_OWNER)
    }

    /// VHOST_GET_FEATURES: the device's virtio features.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn features(&self) -> Result<u64> {
        self.get(req::GET_FEATURES)
    }

    /// VHOST_SET_FEATURES.
    ///
    /// # Errors
    ///
    /// EBUSY after FEATURES_OK, EINVAL when the parent refuses.
    pub fn set_features(&self, f: u64) -> Result<()> {
        let mut v = f;
        self.ioctl_with(req::SET_FEATURES, &mut v, || format!("VHOST_SET_FEATURES({f:#x})"))
    }

    /// VHOST_GET_BACKEND_FEATURES.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn backend_features(&self) -> Result<u64> {
        self.get(req::GET_BACKEND_FEATURES)
    }

    /// VHOST_SET_BACKEND_FEATURES.
    ///
    /// # Errors
    ///
    /// EOPNOTSUPP for bits the device cannot provide.
    pub fn set_backend_features(&self, f: u64) -> Result<()> {
        let mut v = f;
        self.ioctl_with(req::SET_BACKEND_FEATURES, &mut v, || {
            format!("VHOST_SET_BACKEND_FEATURES({f:#x})")
        })
    }

    /// VHOST_VDPA_GET_DEVICE_ID: the virtio device id.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn device_id(&self) -> Result<u32> {
        self.get(req::GET_DEVICE_ID)
    }

    /// VHOST_VDPA_GET_STATUS.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn status(&self) -> Result<u8> {
        self.get(req::GET_STATUS)
    }

    /// VHOST_VDPA_SET_STATUS; 0 resets the device.
    ///
    /// # Errors
    ///
    /// EINVAL when `s` clears a bit that is set (and is not 0).
    pub fn set_status(&self, s: u8) -> Result<()> {
        let mut v = s;
        self.ioctl_with(req::SET_STATUS, &mut v, || format!("VHOST_VDPA_SET_STATUS({s:#x})"))
    }

    /// VHOST_VDPA_GET_CONFIG: reads `buf.len()` bytes of config space at `off`.
    ///
    /// # Errors
    ///
    /// EINVAL for an empty or out-of-range request.
    pub fn config(&self, off: u32, buf: &mut [u8]) -> Result<()> {
        let len = buf.len();
        let what = || format!("VHOST_VDPA_GET_CONFIG(off {off}, len {len})");
        let mut arg = config_arg(off, buf).ok_or_else(|| Error { what: what(), errno: libc::EINVAL })?;
        // SAFETY: `arg` holds the 8-byte header followed by `len` bytes, which
        // is what the kernel reads and writes for this request.
        unsafe { self.ioctl_raw(req::GET_CONFIG, arg.as_mut_ptr().cast(), what) }?;
        buf.copy_from_slice(&arg[8..]);
        Ok(())
    }

    /// VHOST_VDPA_SET_CONFIG: writes `data` into config space at `off`.
    ///
    /// # Errors
    ///
    /// EINVAL for an empty or out-of-range request.
    pub fn set_config(&self, off: u32, data: &[u8]) -> Result<()> {
        let len = data.len();
        let what = || format!("VHOST_VDPA_SET_CONFIG(off {off}, len {len})");
        let mut arg = config_arg(off, data).ok_or_else(|| Error { what: what(), errno: libc::EINVAL })?;
        // SAFETY: as in `config`; the kernel only reads here.
        unsafe { self.ioctl_raw(req::SET_CONFIG, arg.as_mut_ptr().cast(), what) }.map(|_| ())
    }

    /// VHOST_VDPA_GET_VRING_NUM: the device's maximum ring size.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn vring_num_max(&self) -> Result<u16> {
        self.get(req::GET_VRING_NUM)
    }

    /// VHOST_SET_VRING_NUM.
    ///
    /// # Errors
    ///
    /// EINVAL for a size that is not a power of two or above the maximum.
    pub fn set_vring_num(&self, index: u32, num: u32) -> Result<()> {
        self.state(req::SET_VRING_NUM, index, num).map(|_| ())
    }

    /// VHOST_SET_VRING_ADDR with the IOVAs of the three areas.
    ///
    /// # Errors
    ///
    /// EINVAL for misaligned addresses or after DRIVER_OK (unless suspended).
    pub fn set_vring_addr(&self, index: u32, desc: u64, avail: u64, used: u64) -> Result<()> {
        let mut a = VringAddr { index, flags: 0, desc, used, avail, log: 0 };
        self.ioctl_with(req::SET_VRING_ADDR, &mut a, || {
            format!("VHOST_SET_VRING_ADDR(vq {index}, desc {desc:#x}, avail {avail:#x}, used {used:#x})")
        })
    }

    /// VHOST_SET_VRING_BASE: the next avail index the device reads.
    ///
    /// # Errors
    ///
    /// EINVAL after DRIVER_OK (unless suspended).
    pub fn set_vring_base(&self, index: u32, base: u32) -> Result<()> {
        self.state(req::SET_VRING_BASE, index, base).map(|_| ())
    }

    /// VHOST_GET_VRING_BASE: the device's next avail index.
    ///
    /// # Errors
    ///
    /// The parent's get_vq_state error.
    pub fn vring_base(&self, index: u32) -> Result<u32> {
        self.state(req::GET_VRING_BASE, index, 0)
    }

    fn vring_file(&self, req: Request, index: u32, fd: RawFd) -> Result<()> {
        let mut f = VringFile { index, fd };
        self.ioctl_with(req, &mut f, || format!("{}(vq {index}, fd {fd})", req.name))
    }

    /// VHOST_SET_VRING_KICK: `fd` (an eventfd, -1 unbinds) kicks queue `index`.
    ///
    /// # Errors
    ///
    /// EBADF / EINVAL for a bad fd.
    pub fn set_vring_kick(&self, index: u32, fd: RawFd) -> Result<()> {
        self.vring_file(req::SET_VRING_KICK, index, fd)
    }

    /// VHOST_SET_VRING_CALL: the device signals `fd` for used buffers.
    ///
    /// # Errors
    ///
    /// EBADF / EINVAL for a bad fd.
    pub fn set_vring_call(&self, index: u32, fd: RawFd) -> Result<()> {
        self.vring_file(req::SET_VRING_CALL, index, fd)
    }

    /// VHOST_VDPA_SET_VRING_ENABLE.
    ///
    /// # Errors
    ///
    /// ENOBUFS for a bad index.
    pub fn set_vring_enable(&self, index: u32, on: bool) -> Result<()> {
        self.state(req::SET_VRING_ENABLE, index, u32::from(on)).map(|_| ())
    }

    /// VHOST_VDPA_GET_VRING_GROUP: the group of queue `index`.
    ///
    /// # Errors
    ///
    /// EOPNOTSUPP when the parent has no groups.
    pub fn vring_group(&self, index: u32) -> Result<u32> {
        self.state(req::GET_VRING_GROUP, index, 0)
    }

    /// VHOST_VDPA_GET_VRING_DESC_GROUP: the descriptor group of queue `index`.
    ///
    /// # Errors
    ///
    /// EOPNOTSUPP when the parent has no descriptor groups.
    pub fn vring_desc_group(&self, index: u32) -> Result<u32> {
        self.state(req::GET_VRING_DESC_GROUP, index, 0)
    }

    /// VHOST_VDPA_GET_VRING_SIZE: the size of queue `index` as the device sees it.
    ///
    /// # Errors
    ///
    /// EOPNOTSUPP when the parent lacks get_vq_size.
    pub fn vring_size(&self, index: u32) -> Result<u32> {
        self.state(req::GET_VRING_SIZE, index, 0)
    }

    /// VHOST_VDPA_GET_AS_NUM: number of address spaces.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn as_num(&self) -> Result<u32> {
        self.get(req::GET_AS_NUM)
    }

    /// VHOST_VDPA_GET_GROUP_NUM: number of virtqueue groups.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn group_num(&self) -> Result<u32> {
        self.get(req::GET_GROUP_NUM)
    }

    /// VHOST_VDPA_GET_VQS_COUNT: number of virtqueues.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn vqs_count(&self) -> Result<u32> {
        self.get(req::GET_VQS_COUNT)
    }

    /// VHOST_VDPA_GET_CONFIG_SIZE.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn config_size(&self) -> Result<u32> {
        self.get(req::GET_CONFIG_SIZE)
    }

    /// VHOST_VDPA_SET_GROUP_ASID: bind `group` to address space `asid`.
    ///
    /// # Errors
    ///
    /// EINVAL for a bad group or asid, EOPNOTSUPP without the parent op.
    pub fn set_group_asid(&self, group: u32, asid: u32) -> Result<()> {
        self.state(req::SET_GROUP_ASID, group, asid).map(|_| ())
    }

    /// VHOST_VDPA_SUSPEND.
    ///
    /// # Errors
    ///
    /// EOPNOTSUPP without the parent op.
    pub fn suspend(&self) -> Result<()> {
        self.none(req::SUSPEND)
    }

    /// VHOST_VDPA_RESUME.
    ///
    /// # Errors
    ///
    /// EOPNOTSUPP without the parent op.
    pub fn resume(&self) -> Result<()> {
        self.none(req::RESUME)
    }

    /// VHOST_VDPA_GET_IOVA_RANGE.
    ///
    /// # Errors
    ///
    /// The ioctl's errno.
    pub fn iova_range(&self) -> Result<IovaRange> {
        self.get(req::GET_IOVA_RANGE)
    }

    /// VHOST_VDPA_SET_CONFIG_CALL: `fd` is signalled on config changes.
    ///
    /// # Errors
    ///
    /// EBADF / EINVAL for a bad fd.
    pub fn set_config_call(&self, fd: RawFd) -> Result<()> {
        self.set(req::SET_CONFIG_CALL, fd)
    }

    /// One `write()` of an IOTLB message; the byte count written.
    ///
    /// # Errors
    ///
    /// The write's errno (EFAULT for every refusal by the message handler).
    pub fn write_msg(&self, msg: &[u8], what: impl FnOnce() -> String) -> Result<usize> {
        // SAFETY: `msg` is a valid buffer of `msg.len()` bytes; the fd is open.
        let n = unsafe { libc::write(self.fd.as_raw_fd(), msg.as_ptr().cast(), msg.len()) };
        if n < 0 {
            return Err(Error { what: what(), errno: last_errno() });
        }
        Ok(n as usize)
    }
}

/// The argument of GET/SET_CONFIG: header {off, len} then the bytes.
fn config_arg(off: u32, data: &[u8]) -> Option<Vec<u8>> {
    let len = u32::try_from(data.len()).ok()?;
    let mut arg = Vec::with_capacity(8 + data.len());
    arg.extend_from_slice(&off.to_ne_bytes());
    arg.extend_from_slice(&len.to_ne_bytes());
    arg.extend_from_slice(data);
    Some(arg)
}

#[cfg(test)]
mod tests {
    use super::req;

    /// The full x86-64 codes as listed in the contract (section B.3).
    #[test]
    fn request_codes() {
        let want = [
            (req::GET_FEATURES, 0x8008AF00),
            (req::SET_FEATURES, 0x4008AF00),
            (req::SET_OWNER, 0x0000AF01),
            (req::SET_VRING_NUM, 0x4008AF10),
            (req::SET_VRING_ADDR, 0x4028AF11),
            (req::SET_VRING_BASE, 0x4008AF12),
            (req::GET_VRING_BASE, 0xC008AF12),
            (req::SET_VRING_KICK, 0x4008AF20),
            (req::SET_VRING_CALL, 0x4008AF21),
            (req::SET_BACKEND_FEATURES, 0x4008AF25),
            (req::GET_BACKEND_FEATURES, 0x8008AF26),
            (req::GET_DEVICE_ID, 0x8004AF70),
            (req::GET_STATUS, 0x8001AF71),
            (req::SET_STATUS, 0x4001AF72),
            (req::GET_CONFIG, 0x8008AF73),
            (req::SET_CONFIG, 0x4008AF74),
            (req::SET_VRING_ENABLE, 0x4008AF75),
            (req::GET_VRING_NUM, 0x8002AF76),
            (req::SET_CONFIG_CALL, 0x4004AF77),
            (req::GET_IOVA_RANGE, 0x8010AF78),
            (req::GET_CONFIG_SIZE, 0x8004AF79),
            (req::GET_AS_NUM, 0x8004AF7A),
            (req::GET_VRING_GROUP, 0xC008AF7B),
            (req::SET_GROUP_ASID, 0x4008AF7C),
            (req::SUSPEND, 0x0000AF7D),
            (req::RESUME, 0x0000AF7E),
            (req::GET_VRING_DESC_GROUP, 0xC008AF7F),
            (req::GET_VQS_COUNT, 0x8004AF80),
            (req::GET_GROUP_NUM, 0x8004AF81),
            (req::GET_VRING_SIZE, 0xC008AF82),
        ];
        for (r, code) in want {
            assert_eq!(r.code, code, "{}", r.name);
        }
    }
}
