// SPDX-License-Identifier: GPL-2.0

//! One session on a vhost-vdpa node, set up the way QEMU does it: open,
//! SET_OWNER, GET_FEATURES, GET/SET_BACKEND_FEATURES, feature negotiation
//! through the status byte, IOTLB batches, rings, VRING_ENABLE, DRIVER_OK.

use crate::eventfd::EventFd;
use crate::iotlb::{Batch, Mapping, Protocol};
use crate::mem;
use crate::report::{fatal, skip, Report, Res};
use crate::ring::SplitQueue;
use crate::vhost::{backend, IovaRange, Vhost};
use crate::virtio::{feature, status};

/// Backend features this driver acks when offered (QEMU's set plus RESUME).
pub const WANTED_BACKEND: u64 = backend::IOTLB_MSG_V2
    | backend::IOTLB_BATCH
    | backend::IOTLB_ASID
    | backend::SUSPEND
    | backend::RESUME;

/// An owned, open vhost-vdpa node and what was negotiated on it.
pub struct Session {
    /// The node.
    pub dev: Vhost,
    /// Backend features offered.
    pub backend_offered: u64,
    /// Backend features acked.
    pub backend: u64,
    /// Virtio features offered.
    pub features_offered: u64,
    /// Virtio features acked (after [`negotiate`](Self::negotiate)).
    pub features: u64,
    /// IOTLB message format from the acked backend features.
    pub proto: Protocol,
    /// Virtio device id.
    pub device_id: u32,
    /// Number of virtqueues.
    pub vqs: u32,
    /// Number of virtqueue groups.
    pub groups: u32,
    /// Number of address spaces.
    pub address_spaces: u32,
    /// Usable IOVA range.
    pub range: IovaRange,
    /// Installed with SET_CONFIG_CALL, as QEMU does.
    _config_call: EventFd,
}

impl Session {
    /// Opens `node`, takes ownership and acks `wanted_backend` ∩ offered.
    ///
    /// # Errors
    ///
    /// Fatal on any failing ioctl.
    pub fn open(r: &Report, node: &str, wanted_backend: u64) -> Res<Self> {
        let dev = Vhost::open(node)?;
        dev.set_owner()?;
        let features_offered = dev.features()?;
        let backend_offered = dev.backend_features()?;
        let backend = backend_offered & wanted_backend;
        dev.set_backend_features(backend)?;
        let device_id = dev.device_id()?;
        let vqs = dev.vqs_count()?;
        let groups = dev.group_num()?;
        let address_spaces = dev.as_num()?;
        let range = dev.iova_range()?;
        let num_max = dev.vring_num_max()?;
        let config_size = dev.config_size()?;
        let config_call = EventFd::new()?;
        dev.set_config_call(config_call.raw())?;
        r.diag(format!(
            "{node}: device id {device_id}, {vqs} vqs, {groups} groups, {address_spaces} address spaces, \
             vring num max {num_max}, config size {config_size}, iova {:#x}-{:#x}",
            range.first, range.last
        ));
        r.diag(format!(
            "{node}: features {features_offered:#x}, backend features offered {backend_offered:#x}, acked {backend:#x}"
        ));
        Ok(Self {
            dev,
            backend_offered,
            backend,
            features_offered,
            features: 0,
            proto: Protocol::from_backend(backend),
            device_id,
            vqs,
            groups,
            address_spaces,
            range,
            _config_call: config_call,
        })
    }

    /// Whether backend feature `bit` was acked.
    pub fn acked(&self, bit: u64) -> bool {
        self.backend & bit == bit
    }

    /// ACKNOWLEDGE, DRIVER, SET_FEATURES(`wanted` ∩ offered, plus the
    /// mandatory VERSION_1 | ACCESS_PLATFORM), FEATURES_OK; returns the
    /// acked features.
    ///
    /// # Errors
    ///
    /// Skip when the mandatory features are not offered; fatal when the
    /// device refuses or drops FEATURES_OK.
    pub fn negotiate(&mut self, r: &Report, wanted: u64) -> Res<u64> {
        let acked = self.negotiate_quiet(wanted)?;
        r.diag(format!("negotiated features {acked:#x}"));
        Ok(acked)
    }

    /// [`Session::negotiate`] without the log line, for timed paths: the
    /// log is a file on the VM's shared folder, whose writes cost
    /// milliseconds under TCG.
    ///
    /// # Errors
    ///
    /// As [`Session::negotiate`].
    pub fn negotiate_quiet(&mut self, wanted: u64) -> Res<u64> {
        let must = feature::VERSION_1 | feature::ACCESS_PLATFORM;
        if self.features_offered & must != must {
            return skip(format!("device features {:#x} lack VERSION_1|ACCESS_PLATFORM", self.features_offered));
        }
        let acked = self.features_offered & (wanted | must);
        self.dev.set_status(status::ACKNOWLEDGE)?;
        self.dev.set_status(status::ACKNOWLEDGE | status::DRIVER)?;
        self.dev.set_features(acked)?;
        let s = status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK;
        self.dev.set_status(s)?;
        let got = self.dev.status()?;
        if got & status::FEATURES_OK == 0 || got & status::FAILED != 0 {
            return fatal(format!("status {got:#x} after FEATURES_OK with features {acked:#x}"));
        }
        self.features = acked;
        Ok(acked)
    }

    /// Commits `maps` into `asid` as one batch.
    ///
    /// # Errors
    ///
    /// Fatal on a refused message.
    pub fn map(&self, asid: u32, maps: &[Mapping]) -> Res<()> {
        let b = maps.iter().fold(Batch::new(asid), |b, m| b.update(*m));
        b.commit(&self.dev, &self.proto)?;
        Ok(())
    }

    /// Replaces `maps` in `asid` in one batch: INVALIDATE then UPDATE each,
    /// as QEMU's listener does for a changed region.
    ///
    /// # Errors
    ///
    /// Fatal on a refused message.
    pub fn remap(&self, asid: u32, maps: &[Mapping]) -> Res<()> {
        let b = maps.iter().fold(Batch::new(asid), |b, m| b.invalidate(m.iova, m.size));
        let b = maps.iter().fold(b, |b, m| b.update(*m));
        b.commit(&self.dev, &self.proto)?;
        Ok(())
    }

    /// Removes `maps` from `asid` in one batch.
    ///
    /// # Errors
    ///
    /// Fatal on a refused message.
    pub fn unmap(&self, asid: u32, maps: &[Mapping]) -> Res<()> {
        let b = maps.iter().fold(Batch::new(asid), |b, m| b.invalidate(m.iova, m.size));
        b.commit(&self.dev, &self.proto)?;
        Ok(())
    }

    /// Hands `q` to the device at avail index 0 and enables it.
    ///
    /// # Errors
    ///
    /// Fatal on any failing ioctl.
    pub fn start_queue(&self, q: &SplitQueue) -> Res<()> {
        q.attach(&self.dev, 0)?;
        self.dev.set_vring_enable(q.index(), true)?;
        Ok(())
    }

    /// Sets DRIVER_OK and checks it held.
    ///
    /// # Errors
    ///
    /// Fatal when the device does not show DRIVER_OK afterwards.
    pub fn driver_ok(&self) -> Res<()> {
        let s = status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK | status::DRIVER_OK;
        self.dev.set_status(s)?;
        let got = self.dev.status()?;
        if got != s {
            return fatal(format!("status {got:#x} after DRIVER_OK, expected {s:#x}"));
        }
        Ok(())
    }

    /// Resets the device with SET_STATUS(0) and checks the status reads 0.
    ///
    /// # Errors
    ///
    /// Fatal when the reset fails or leaves a status.
    pub fn reset(&mut self) -> Res<()> {
        self.dev.set_status(0)?;
        let got = self.dev.status()?;
        if got != 0 {
            return fatal(format!("status {got:#x} after SET_STATUS(0)"));
        }
        self.features = 0;
        Ok(())
    }

    /// Checks that `[lo, hi)` is inside the device's IOVA range and that no
    /// mapping of this process lies there (so an identity pass-through
    /// cannot reach anything).
    ///
    /// # Errors
    ///
    /// Skip when the range does not fit; fatal on a collision.
    pub fn check_iova_window(&self, r: &mut Report, lo: u64, hi: u64) -> Res<()> {
        if lo < self.range.first || hi.saturating_sub(1) > self.range.last {
            return skip(format!(
                "IOVA window {lo:#x}-{hi:#x} outside the device's range {:#x}-{:#x}",
                self.range.first, self.range.last
            ));
        }
        match mem::process_mapping_in(lo, hi)? {
            Some(line) => fatal(format!("IOVA window {lo:#x}-{hi:#x} overlaps this process's mapping {line}")),
            None => {
                r.ok(format!("IOVA window {lo:#x}-{hi:#x}: no process mapping there, so identity pass-through cannot reach it"));
                Ok(())
            }
        }
    }
}

/// Whether vdpa_sim's identity pass-through means "IOVA = user VA" (its
/// `use_va` parameter is Y): only then may a test kick rings whose IOVAs
/// an address space does not map, because an unmapped user address
/// faults harmlessly. In PA mode identity means physical memory.
pub fn sim_identity_is_user_va() -> bool {
    std::fs::read_to_string("/sys/module/vdpa_sim/parameters/use_va")
        .map(|s| s.trim() == "Y")
        .unwrap_or(false)
}
