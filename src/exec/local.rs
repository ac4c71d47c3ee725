//! Local execution: the command for a [`Program`] on this machine (argv directly, or `sh -c`
//! for a command line that has shell syntax; one without is split and run directly).

use tokio::process::Command;

use super::ExecError;
use crate::tools::Program;

/// The command that runs `program` locally, and its name for errors.
pub fn command(program: &Program) -> Result<(Command, String), ExecError> {
    let direct = direct(program);
    match direct.as_ref().unwrap_or(program) {
        Program::Shell(line) => {
            let mut cmd = Command::new("sh");
            cmd.arg("-c").arg(line);
            Ok((cmd, "sh".into()))
        }
        Program::Argv(argv) => {
            let Some((first, rest)) = argv.split_first() else {
                return Err(ExecError::Spawn {
                    program: String::new(),
                    source: std::io::Error::other("empty argv"),
                });
            };
            let mut cmd = Command::new(first);
            cmd.args(rest);
            Ok((cmd, first.clone()))
        }
        Program::Mcp(_) => Err(not_a_process(program)),
    }
}

/// The error for an MCP call handed to a process executor (it runs over its connection).
fn not_a_process(program: &Program) -> ExecError {
    ExecError::Spawn {
        program: program.display(),
        source: std::io::Error::other("an MCP call is not a process"),
    }
}

/// [`command`] held at the spawn gate: `sh` waits for a line on stdin, then execs the
/// program (same pid, so the same process group) with stdin from /dev/null. A program that
/// cannot be found fails here, as an ungated spawn would.
pub fn gated_command(program: &Program) -> Result<(Command, String), ExecError> {
    let direct = direct(program);
    let (argv, name): (Vec<String>, String) = match direct.as_ref().unwrap_or(program) {
        Program::Mcp(_) => return Err(not_a_process(program)),
        Program::Shell(line) => (vec!["sh".into(), "-c".into(), line.clone()], "sh".into()),
        Program::Argv(argv) => {
            let Some(first) = argv.first() else {
                return Err(ExecError::Spawn {
                    program: String::new(),
                    source: std::io::Error::other("empty argv"),
                });
            };
            if !findable(first) {
                return Err(ExecError::Spawn {
                    program: first.clone(),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                });
            }
            (argv.clone(), first.clone())
        }
    };
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(super::group::LOCAL_GATE_SCRIPT)
        .arg("opsassist-gate")
        .args(argv);
    Ok((cmd, name))
}

/// A shell command line with no shell syntax, as the argv `sh -c` would have run, so that
/// no `sh -c LINE` wrapper stands next to it (`pkill -f PATTERN` would match the wrapper and
/// kill it; `pgrep -af` would list it). Only when the program is found: a missing one keeps
/// the shell's own "not found" (status 127).
fn direct(program: &Program) -> Option<Program> {
    let Program::Shell(line) = program else {
        return None;
    };
    let argv = crate::policy::plain_argv(line)?;
    findable(argv.first()?).then_some(Program::Argv(argv))
}

/// Whether `program` names an executable file (a path) or one on `$PATH`.
fn findable(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |path: &std::path::Path| {
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return executable(std::path::Path::new(program));
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| executable(&dir.join(program)))
    })
}
