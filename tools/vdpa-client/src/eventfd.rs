// SPDX-License-Identifier: GPL-2.0

//! Non-blocking eventfds: the kick (driver → device) and call (device →
//! driver) doorbells of a virtqueue.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// An eventfd opened with `EFD_NONBLOCK | EFD_CLOEXEC`.
///
/// # Invariants
///
/// The fd is an open eventfd for the lifetime of the value.
pub struct EventFd(OwnedFd);

impl EventFd {
    /// A new eventfd with count 0.
    ///
    /// # Errors
    ///
    /// The errno of eventfd(2).
    pub fn new() -> io::Result<Self> {
        // SAFETY: eventfd(2) takes no pointers.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by eventfd(2) and is owned by nobody else.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// The raw fd, for VHOST_SET_VRING_KICK/CALL.
    pub fn raw(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    /// Adds 1 to the count (one kick).
    ///
    /// # Errors
    ///
    /// The errno of write(2).
    pub fn signal(&self) -> io::Result<()> {
        let one: u64 = 1;
        // SAFETY: writes the 8 bytes of `one`; the fd is open (invariant).
        let n = unsafe { libc::write(self.raw(), (&one as *const u64).cast(), 8) };
        if n != 8 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Reads and clears the count without waiting; 0 when nothing was signalled.
    ///
    /// # Errors
    ///
    /// The errno of read(2) other than EAGAIN.
    pub fn take(&self) -> io::Result<u64> {
        let mut v: u64 = 0;
        // SAFETY: reads at most 8 bytes into `v`; the fd is open (invariant).
        let n = unsafe { libc::read(self.raw(), (&mut v as *mut u64).cast(), 8) };
        if n == 8 {
            return Ok(v);
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EAGAIN) {
            Ok(0)
        } else {
            Err(e)
        }
    }

    /// Waits up to `timeout` for a signal, then reads and clears the count;
    /// 0 on timeout.
    ///
    /// # Errors
    ///
    /// The errno of poll(2) or read(2).
    pub fn wait(&self, timeout: Duration) -> io::Result<u64> {
        let mut p = libc::pollfd { fd: self.raw(), events: libc::POLLIN, revents: 0 };
        let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        loop {
            // SAFETY: `p` is one valid pollfd.
            let r = unsafe { libc::poll(&mut p, 1, ms) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return Err(e);
            }
            if r == 0 {
                return Ok(0);
            }
            return self.take();
        }
    }
}
