// SPDX-License-Identifier: GPL-2.0

//! `vdpa-client SUBCOMMAND NODE [OPTIONS]`: runs one scenario against a
//! vhost-vdpa node, prints `# ok:` / `# FAIL:` lines, and exits 0 (pass),
//! 1 (fail) or 4 (skip). Bench subcommands also print `result METRIC VALUE`.

use std::process::exit;
use vdpa_client::report::{Report, Res, Stop, EXIT_FAIL};
use vdpa_client::{blk, net};

const USAGE: &str = "\
usage: vdpa-client SUBCOMMAND NODE [OPTIONS]
  net-loop NODE [--count N] [--size BYTES] [--persist] [--event-idx]
  net-bench NODE --size 64|1500 --seconds S
  net-cvq NODE
  net-reset NODE --persist|--no-persist
  net-asid NODE
  net-suspend NODE
  iotlb-batch NODE [--deferred]
  blk-io NODE
  blk-bench NODE --rw randread|randwrite --seconds S [--depth N]
--size is the Ethernet frame length; the 12-byte virtio-net header is added.";

/// Options after NODE: `--name` or `--name VALUE`.
struct Opts {
    given: Vec<(String, Option<String>)>,
}

impl Opts {
    /// Parses `args` against `spec` (name, takes a value).
    fn parse(args: &[String], spec: &[(&str, bool)]) -> Result<Self, String> {
        let mut given = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let Some((name, takes)) = spec.iter().find(|(n, _)| n == a) else {
                return Err(format!("unknown option '{a}'"));
            };
            let v = if *takes {
                Some(it.next().ok_or_else(|| format!("{name} needs a value"))?.clone())
            } else {
                None
            };
            given.push((name.to_string(), v));
        }
        Ok(Self { given })
    }

    fn has(&self, name: &str) -> bool {
        self.given.iter().any(|(n, _)| n == name)
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.given.iter().rev().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref())
    }

    fn num(&self, name: &str, default: Option<u64>) -> Result<u64, String> {
        match self.value(name) {
            Some(v) => v.parse().map_err(|_| format!("{name}: '{v}' is not a number")),
            None => default.ok_or_else(|| format!("{name} is required")),
        }
    }
}

fn run(r: &mut Report, cmd: &str, node: &str, rest: &[String]) -> Result<Res<()>, String> {
    Ok(match cmd {
        "net-loop" => {
            let o = Opts::parse(rest, &[("--count", true), ("--size", true), ("--persist", false), ("--event-idx", false)])?;
            let count = o.num("--count", Some(64))? as usize;
            let size = o.num("--size", Some(64))? as usize;
            if !(net::MIN_FRAME..=net::MAX_FRAME).contains(&size) {
                return Err(format!("--size must be {}..{}", net::MIN_FRAME, net::MAX_FRAME));
            }
            net::cmd_loop(r, node, count, size, o.has("--persist"), o.has("--event-idx"))
        }
        "net-bench" => {
            let o = Opts::parse(rest, &[("--size", true), ("--seconds", true)])?;
            let size = o.num("--size", None)? as usize;
            if !(net::MIN_FRAME..=net::MAX_FRAME).contains(&size) {
                return Err(format!("--size must be {}..{}", net::MIN_FRAME, net::MAX_FRAME));
            }
            net::cmd_bench(r, node, size, o.num("--seconds", None)?)
        }
        "net-cvq" => {
            Opts::parse(rest, &[])?;
            net::cmd_cvq(r, node)
        }
        "net-reset" => {
            let o = Opts::parse(rest, &[("--persist", false), ("--no-persist", false)])?;
            if o.has("--persist") == o.has("--no-persist") {
                return Err("net-reset needs exactly one of --persist, --no-persist".into());
            }
            net::cmd_reset(r, node, o.has("--persist"))
        }
        "net-asid" => {
            Opts::parse(rest, &[])?;
            net::cmd_asid(r, node)
        }
        "net-suspend" => {
            Opts::parse(rest, &[])?;
            net::cmd_suspend(r, node)
        }
        "iotlb-batch" => {
            let o = Opts::parse(rest, &[("--deferred", false)])?;
            net::cmd_iotlb_batch(r, node, o.has("--deferred"))
        }
        "blk-io" => {
            Opts::parse(rest, &[])?;
            blk::cmd_io(r, node)
        }
        "blk-bench" => {
            let o = Opts::parse(rest, &[("--rw", true), ("--seconds", true), ("--depth", true)])?;
            let write = match o.value("--rw") {
                Some("randread") => false,
                Some("randwrite") => true,
                _ => return Err("--rw must be randread or randwrite".into()),
            };
            let depth = o.num("--depth", Some(32))? as usize;
            if !(1..=blk::MAX_DEPTH).contains(&depth) {
                return Err(format!("--depth must be 1..{}", blk::MAX_DEPTH));
            }
            blk::cmd_bench(r, node, write, o.num("--seconds", None)?, depth)
        }
        _ => return Err(format!("unknown subcommand '{cmd}'")),
    })
}

/// Lets PA-mode parents pin the buffers: vhost-vdpa charges pinned pages
/// against RLIMIT_MEMLOCK with no CAP_IPC_LOCK bypass.
fn raise_memlock() {
    let lim = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
    // SAFETY: `lim` is a valid rlimit; failure (not root) is harmless here.
    unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &lim) };
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 || args[0] == "-h" || args[0] == "--help" {
        eprintln!("{USAGE}");
        println!("# FAIL: usage");
        exit(EXIT_FAIL);
    }
    raise_memlock();
    let (cmd, node) = (args[0].as_str(), args[1].as_str());
    let mut r = Report::new();
    let outcome = match run(&mut r, cmd, node, &args[2..]) {
        Ok(res) => res,
        Err(usage) => {
            eprintln!("{USAGE}");
            Err(Stop::Fatal(format!("usage: {usage}")))
        }
    };
    let code = r.finish(cmd, outcome.err());
    exit(code);
}
