// SPDX-License-Identifier: GPL-2.0

//! `vdpa-client SUBCOMMAND NODE [OPTIONS]`: runs one scenario against a
//! vhost-vdpa node, prints `# ok:` / `# FAIL:` lines, and exits 0 (pass),
//! 1 (fail) or 4 (skip). Bench subcommands also print `result METRIC VALUE`.

use std::process::exit;
use vdpa_client::report::{Report, Res, Stop, EXIT_FAIL};
use vdpa_client::{blk, mem, net, vbench};

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
  iotlb-bench NODE --seconds S [--size BYTES]
  map-bench NODE [--size BYTES]
  reset-bench NODE [--size BYTES] --persist|--legacy [--cycles N]
  ioctl-bench NODE [--iters N] [--rounds N]
  mem-bench NODE [--size BYTES]
For net-*, --size is the Ethernet frame length; the 12-byte virtio-net
header is added. For the *-bench of vhost-vdpa, --size is a buffer size in
bytes, a multiple of 4096, with an optional K, M or G suffix (iotlb-bench:
64K by default; map-bench, reset-bench, mem-bench: 1G).";

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

    /// `name` as a byte count (digits with an optional K, M or G suffix,
    /// powers of 1024), a multiple of the page size; `default` when absent.
    fn bytes(&self, name: &str, default: usize) -> Result<usize, String> {
        let Some(v) = self.value(name) else { return Ok(default) };
        let (digits, shift) = match v.as_bytes().last() {
            Some(b'K' | b'k') => (&v[..v.len() - 1], 10),
            Some(b'M' | b'm') => (&v[..v.len() - 1], 20),
            Some(b'G' | b'g') => (&v[..v.len() - 1], 30),
            _ => (v, 0),
        };
        let n = digits
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_mul(1 << shift))
            .ok_or_else(|| format!("{name}: '{v}' is not a size (bytes, or a number with K, M or G)"))?;
        if n == 0 || !n.is_multiple_of(mem::PAGE) {
            return Err(format!("{name}: {n} is not a positive multiple of {}", mem::PAGE));
        }
        Ok(n)
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
        "iotlb-bench" => {
            let o = Opts::parse(rest, &[("--seconds", true), ("--size", true)])?;
            vbench::cmd_iotlb(r, node, o.num("--seconds", None)?, o.bytes("--size", 64 << 10)?)
        }
        "map-bench" => {
            let o = Opts::parse(rest, &[("--size", true)])?;
            vbench::cmd_map(r, node, o.bytes("--size", 1 << 30)?)
        }
        "reset-bench" => {
            let o = Opts::parse(rest, &[("--size", true), ("--persist", false), ("--legacy", false), ("--cycles", true)])?;
            if o.has("--persist") == o.has("--legacy") {
                return Err("reset-bench needs exactly one of --persist, --legacy".into());
            }
            let cycles = o.num("--cycles", Some(5))? as usize;
            if cycles == 0 {
                return Err("--cycles must be at least 1".into());
            }
            vbench::cmd_reset(r, node, o.bytes("--size", 1 << 30)?, o.has("--persist"), cycles)
        }
        "mem-bench" => {
            let o = Opts::parse(rest, &[("--size", true)])?;
            vbench::cmd_mem(r, node, o.bytes("--size", 1 << 30)?)
        }
        "ioctl-bench" => {
            let o = Opts::parse(rest, &[("--iters", true), ("--rounds", true)])?;
            let iters = o.num("--iters", Some(2000))? as usize;
            let rounds = o.num("--rounds", Some(5))? as usize;
            if iters == 0 || rounds == 0 {
                return Err("--iters and --rounds must be at least 1".into());
            }
            vbench::cmd_ioctl(r, node, iters, rounds)
        }
        _ => return Err(format!("unknown subcommand '{cmd}'")),
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 || args[0] == "-h" || args[0] == "--help" {
        eprintln!("{USAGE}");
        println!("# FAIL: usage");
        exit(EXIT_FAIL);
    }
    // For PA-mode parents; the subcommands that pin much check it again.
    let _ = mem::raise_memlock();
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
