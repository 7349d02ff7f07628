// SPDX-License-Identifier: GPL-2.0

//! Generates Rust bindings of the Linux 6.12 headers that
//! `vdpa_core/netlink/` mirrors, so that the tests compare its numbers and
//! offsets with the kernel's own instead of with hand-typed copies.
//!
//! Inputs:
//!  - the test-kernel source tree: `$VDPA_RS_KDIR`, else what
//!    `tools/kernel/kdir` prints (tools/setup unpacks it there);
//!  - the bindgen CLI that tools/setup installs,
//!    `$VDPA_RS_CACHE/tools/bin/bindgen` (the cache defaults to
//!    `${XDG_CACHE_HOME:-$HOME/.cache}/vdpa-rs`, as in tools/lib/common.sh).
//!
//! The uapi headers are read in place, the way `make headers_install` would
//! present them: `linux/compiler_types.h` is an empty file and the `asm/`
//! headers an architecture takes from asm-generic get one-line wrappers, so
//! no kernel build step has to have run, only the unpacking.
//!
//! A few numbers the C core defines outside the uapi headers
//! (`drivers/vdpa/vdpa.c`: `VDPA_DEV_NET_ATTRS_MASK`, `VIRTIO_DEVICE_F_MASK`,
//! the genl family's name, version, maxattr and resv_start_op;
//! `include/linux/netlink.h`: `NETLINK_MAX_FMTMSG_LEN`) are copied out of
//! the source at build time and evaluated by clang, so they too come from
//! the tree and not from this file.
//!
//! The result is `$OUT_DIR/kernel.rs`; only the tests include it (the
//! library stays `no_std` and binding free). A missing tree or bindgen is a
//! build error that says to run tools/setup: nothing is skipped silently.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

/// The uapi headers whose items end up in the bindings.
const HEADERS: &[&str] = &[
    "linux/vdpa.h",
    "linux/virtio_config.h",
    "linux/virtio_ids.h",
    "linux/virtio_net.h",
    "linux/virtio_blk.h",
    "linux/netlink.h",
    "linux/errno.h",
];

/// Macros copied from `drivers/vdpa/vdpa.c`.
const VDPA_C_MACROS: &[&str] = &["VDPA_DEV_NET_ATTRS_MASK", "VIRTIO_DEVICE_F_MASK"];

/// Stops the build: `what` went wrong, `hint` says what to do.
fn die(what: &str, hint: &str) -> ! {
    eprintln!("error: {what}");
    eprintln!("hint:  {hint}");
    exit(1);
}

/// An input is missing or unusable.
fn fail(what: &str) -> ! {
    die(
        what,
        "run tools/setup (it unpacks the 6.12 test-kernel tree and installs bindgen), \
         or point VDPA_RS_KDIR at an unpacked Linux 6.12 source tree",
    )
}

/// The kernel source does not look as this script expects.
fn unparsable(what: &str) -> ! {
    die(what, "the kernel source changed shape: update tests/host/vdpa_core/build.rs")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", path.display())))
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn cache_dir() -> PathBuf {
    if let Some(dir) = env::var_os("VDPA_RS_CACHE").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    let base = match env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = env::var_os("HOME").unwrap_or_else(|| fail("HOME is not set"));
            PathBuf::from(home).join(".cache")
        }
    };
    base.join("vdpa-rs")
}

/// The kernel tree: `$VDPA_RS_KDIR`, else `tools/kernel/kdir`.
fn kernel_dir(repo: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("VDPA_RS_KDIR").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    let script = repo.join("tools/kernel/kdir");
    let out = Command::new(&script)
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run {}: {e}", script.display())));
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || dir.is_empty() {
        fail(&format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    dir.into()
}

/// `make`'s `VERSION.PATCHLEVEL` of the tree.
fn kernel_version(kdir: &Path) -> String {
    let makefile = read(&kdir.join("Makefile"));
    let var = |name: &str| {
        makefile
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim_start().strip_prefix('=').map(str::trim))
            .unwrap_or("?")
            .to_string()
    };
    format!("{}.{}", var("VERSION"), var("PATCHLEVEL"))
}

/// The kernel's name for the target architecture's directory under `arch/`.
fn kernel_arch() -> &'static str {
    match env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("x86_64" | "x86") => "x86",
        Ok("aarch64") => "arm64",
        Ok("arm") => "arm",
        Ok("riscv64" | "riscv32") => "riscv",
        Ok("powerpc64" | "powerpc") => "powerpc",
        Ok("s390x") => "s390",
        Ok("loongarch64") => "loongarch",
        Ok(other) => fail(&format!("no kernel arch known for target arch {other}")),
        Err(_) => fail("CARGO_CFG_TARGET_ARCH is not set"),
    }
}

/// The `#define NAME ...` of `text`, continuation lines joined.
fn c_define(text: &str, file: &Path, name: &str) -> String {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("define") else {
            continue;
        };
        if rest.split_whitespace().next() != Some(name) {
            continue;
        }
        let mut def = String::from(line);
        while def.ends_with('\\') {
            def.pop();
            def.push(' ');
            def.push_str(lines.next().unwrap_or(""));
        }
        return def.trim().to_string();
    }
    unparsable(&format!("no #define {name} in {}", file.display()));
}

/// The initialiser expression of `.field` in the C object definition that
/// starts with `decl` (not a forward declaration of it).
fn c_initializer(text: &str, file: &Path, decl: &str, field: &str) -> String {
    let body = text
        .match_indices(decl)
        .map(|(at, _)| &text[at + decl.len()..])
        .find(|rest| rest.find('{') < rest.find(';'))
        .and_then(|rest| rest.split_once("};"))
        .map(|(body, _)| body)
        .unwrap_or_else(|| {
            unparsable(&format!("no definition `{decl} ... {{` in {}", file.display()))
        });
    body.lines()
        .find_map(|l| {
            let (name, value) = l.trim().split_once('=')?;
            (name.trim() == field).then(|| value.trim().trim_end_matches(',').trim().to_string())
        })
        .unwrap_or_else(|| unparsable(&format!("no `{field} =` in `{decl}` of {}", file.display())))
}

/// The list of the uapi `asm/` headers every architecture has.
fn kbuild_path(kdir: &Path) -> PathBuf {
    kdir.join("include/uapi/asm-generic/Kbuild")
}

/// Empty `linux/compiler_types.h`, and `asm/X.h` wrappers of
/// `asm-generic/X.h` for the mandatory uapi headers `arch` does not provide
/// (what headers_install and scripts/Makefile.asm-generic produce).
fn write_shim(shim: &Path, kdir: &Path, arch: &str) {
    write(&shim.join("linux/compiler_types.h"), "/* empty, as after headers_install */\n");
    let kbuild = kbuild_path(kdir);
    let arch_asm = kdir.join("arch").join(arch).join("include/uapi/asm");
    for header in read(&kbuild).lines().filter_map(|l| {
        let (var, value) = l.split_once("+=")?;
        (var.trim() == "mandatory-y").then(|| value.trim().to_string())
    }) {
        if !arch_asm.join(&header).exists() {
            write(&shim.join("asm").join(&header), &format!("#include <asm-generic/{header}>\n"));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let repo = manifest.join("../../..");

    for var in ["VDPA_RS_KDIR", "VDPA_RS_CACHE", "XDG_CACHE_HOME", "HOME"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    // What tools/kernel/kdir's answer depends on.
    for file in ["tools/kernel/kdir", "tools/lib/common.sh", "tools/kernel/vdpa-test.config"] {
        println!("cargo:rerun-if-changed={}", repo.join(file).display());
    }
    println!("cargo:rerun-if-changed=build.rs");

    let kdir = kernel_dir(&repo);
    let uapi = kdir.join("include/uapi");
    if !uapi.join("linux/vdpa.h").is_file() {
        fail(&format!(
            "kernel tree {} has no include/uapi/linux/vdpa.h (not unpacked yet?)",
            kdir.display()
        ));
    }
    let version = kernel_version(&kdir);
    if version != "6.12" {
        fail(&format!("kernel tree {} is Linux {version}, not 6.12", kdir.display()));
    }
    let bindgen = cache_dir().join("tools/bin/bindgen");
    if !bindgen.is_file() {
        fail(&format!("bindgen not found at {}", bindgen.display()));
    }
    println!("cargo:rerun-if-changed={}", bindgen.display());

    let arch = kernel_arch();
    let shim = out.join("shim");
    write_shim(&shim, &kdir, arch);

    // The header bindgen reads: the uapi headers, then the C core's own
    // numbers as consts clang evaluates.
    let vdpa_c_path = kdir.join("drivers/vdpa/vdpa.c");
    let vdpa_c = read(&vdpa_c_path);
    let netlink_h_path = kdir.join("include/linux/netlink.h");
    let netlink_h = read(&netlink_h_path);
    let family = "static struct genl_family vdpa_nl_family";
    let field = |name| c_initializer(&vdpa_c, &vdpa_c_path, family, name);

    let mut h = String::from("/* Generated by tests/host/vdpa_core/build.rs. */\n");
    for header in HEADERS {
        writeln!(h, "#include <{header}>").unwrap();
    }
    h.push_str("#include <vdso/bits.h>\n\n/* drivers/vdpa/vdpa.c */\n");
    for name in VDPA_C_MACROS {
        writeln!(h, "{}", c_define(&vdpa_c, &vdpa_c_path, name)).unwrap();
        writeln!(h, "static const unsigned long long VDPA_C_{name} = {name};").unwrap();
    }
    writeln!(h, "#define VDPA_C_FAMILY_NAME {}", field(".name")).unwrap();
    for (name, value) in [
        ("VERSION", field(".version")),
        ("MAXATTR", field(".maxattr")),
        ("RESV_START_OP", field(".resv_start_op")),
    ] {
        writeln!(h, "static const unsigned int VDPA_C_FAMILY_{name} = {value};").unwrap();
    }
    h.push_str("\n/* include/linux/netlink.h, uapi/linux/netlink.h */\n");
    writeln!(h, "{}", c_define(&netlink_h, &netlink_h_path, "NETLINK_MAX_FMTMSG_LEN")).unwrap();
    h.push_str("static const unsigned long UAPI_NLA_HDRLEN = NLA_HDRLEN;\n");
    let wrapper = out.join("vdpa_rs_kernel.h");
    write(&wrapper, &h);

    for dep in [&vdpa_c_path, &netlink_h_path, &kbuild_path(&kdir)] {
        println!("cargo:rerun-if-changed={}", dep.display());
    }
    for header in HEADERS {
        println!("cargo:rerun-if-changed={}", uapi.join(header).display());
    }

    let target = env::var("TARGET").expect("TARGET");
    let inc = |p: PathBuf| format!("-I{}", p.display());
    let output = out.join("kernel.rs");
    let result = Command::new(&bindgen)
        .arg(&wrapper)
        .args(["--use-core", "--default-enum-style", "consts", "--no-prepend-enum-name"])
        .args(["--formatter", "prettyplease"])
        // Only what the mirrored headers and the wrapper define.
        .args([
            "--allowlist-file",
            r".*/include/uapi/linux/(vdpa|virtio_[a-z]+|netlink)\.h",
            "--allowlist-file",
            r".*/include/uapi/asm-generic/errno(-base)?\.h",
            "--allowlist-file",
            r".*/vdpa_rs_kernel\.h",
        ])
        // The copied macros as cexpr types them; the VDPA_C_* consts carry
        // the values with their C types.
        .args(VDPA_C_MACROS.iter().flat_map(|m| ["--blocklist-item", m]))
        .arg("-o")
        .arg(&output)
        .arg("--")
        .args(["-nostdinc", "-D__EXPORTED_HEADERS__", "-target", &target])
        .arg(inc(shim))
        .arg(inc(uapi.clone()))
        .arg(inc(kdir.join("arch").join(arch).join("include/uapi")))
        // Last, for vdso/bits.h (BIT_ULL) only.
        .arg(inc(kdir.join("include")))
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run {}: {e}", bindgen.display())));
    if !result.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&result.stderr));
        fail(&format!("{} failed on {}", bindgen.display(), wrapper.display()));
    }
    println!("cargo:rustc-env=VDPA_RS_KDIR_USED={}", kdir.display());
}

