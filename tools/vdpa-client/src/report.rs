// SPDX-License-Identifier: GPL-2.0

//! KTAP-style output of a scenario (`# ok: ...`, `# FAIL: ...`) and the
//! ways a scenario can stop early.

use std::fmt::{self, Debug, Display};
use std::io::Write;

/// Exit code of a passed run.
pub const EXIT_PASS: i32 = 0;
/// Exit code of a failed run.
pub const EXIT_FAIL: i32 = 1;
/// Exit code of a skipped run (kselftest's KSFT_SKIP).
pub const EXIT_SKIP: i32 = 4;

/// Why a scenario stopped before its end.
#[derive(Debug)]
pub enum Stop {
    /// The device cannot do what the scenario needs.
    Skip(String),
    /// An unexpected error; the scenario cannot go on.
    Fatal(String),
}

impl Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Skip(s) | Self::Fatal(s) => f.write_str(s),
        }
    }
}

impl From<crate::vhost::Error> for Stop {
    fn from(e: crate::vhost::Error) -> Self {
        Self::Fatal(e.to_string())
    }
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Self {
        Self::Fatal(format!("I/O error: {e}"))
    }
}

impl From<crate::ring::RingError> for Stop {
    fn from(e: crate::ring::RingError) -> Self {
        Self::Fatal(format!("ring: {e}"))
    }
}

/// Result of a scenario step.
pub type Res<T> = Result<T, Stop>;

/// Shorthand for a fatal stop.
pub fn fatal<T>(msg: impl Into<String>) -> Res<T> {
    Err(Stop::Fatal(msg.into()))
}

/// Shorthand for a skip.
pub fn skip<T>(msg: impl Into<String>) -> Res<T> {
    Err(Stop::Skip(msg.into()))
}

/// Counts failed checks and prints every check as it happens.
#[derive(Default)]
pub struct Report {
    failed: usize,
    passed: usize,
}

impl Report {
    /// A report with nothing checked yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn line(s: &str) {
        let mut out = std::io::stdout().lock();
        // Nothing useful can be done if stdout is gone.
        let _ = writeln!(out, "{s}");
        let _ = out.flush();
    }

    /// A diagnostic line that is not a check.
    pub fn diag(&self, msg: impl Display) {
        Self::line(&format!("# {msg}"));
    }

    /// A passed check.
    pub fn ok(&mut self, msg: impl Display) {
        self.passed += 1;
        Self::line(&format!("# ok: {msg}"));
    }

    /// A failed check; the scenario goes on.
    pub fn fail(&mut self, msg: impl Display) {
        self.failed += 1;
        Self::line(&format!("# FAIL: {msg}"));
    }

    /// `ok` or `fail` by `cond`; returns `cond`.
    pub fn check(&mut self, cond: bool, msg: impl Display) -> bool {
        if cond {
            self.ok(msg);
        } else {
            self.fail(msg);
        }
        cond
    }

    /// Checks `got == want`, printing both on failure.
    pub fn check_eq<T: PartialEq + Debug>(&mut self, what: impl Display, got: T, want: T) -> bool {
        if got == want {
            self.ok(format!("{what}: {got:?}"));
            true
        } else {
            self.fail(format!("{what}: got {got:?}, expected {want:?}"));
            false
        }
    }

    /// Checks that `r` failed with `errno`.
    pub fn check_errno<T: Debug>(&mut self, what: impl Display, r: crate::vhost::Result<T>, errno: i32) -> bool {
        let want = crate::vhost::errno_name(errno);
        match r {
            Err(e) if e.errno == errno => {
                self.ok(format!("{what}: {want}"));
                true
            }
            Err(e) => {
                self.fail(format!("{what}: failed with {}, expected {want}", crate::vhost::errno_name(e.errno)));
                false
            }
            Ok(v) => {
                self.fail(format!("{what}: succeeded ({v:?}), expected {want}"));
                false
            }
        }
    }

    /// Number of failed checks.
    pub fn failed(&self) -> usize {
        self.failed
    }

    /// Number of passed checks.
    pub fn passed(&self) -> usize {
        self.passed
    }

    /// The exit code for the run: `stop` (if the scenario stopped early)
    /// and the checks so far decide it; prints the closing line.
    pub fn finish(&mut self, name: &str, stop: Option<Stop>) -> i32 {
        match stop {
            Some(Stop::Skip(why)) => {
                Self::line(&format!("# SKIP: {name}: {why}"));
                if self.failed > 0 {
                    EXIT_FAIL
                } else {
                    EXIT_SKIP
                }
            }
            Some(Stop::Fatal(why)) => {
                self.fail(format!("{name}: {why}"));
                EXIT_FAIL
            }
            None if self.failed > 0 => {
                Self::line(&format!("# {name}: {} checks failed, {} passed", self.failed, self.passed));
                EXIT_FAIL
            }
            None => {
                Self::line(&format!("# {name}: all {} checks passed", self.passed));
                EXIT_PASS
            }
        }
    }
}
