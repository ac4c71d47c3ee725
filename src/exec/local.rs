//! Local execution: the command for a [`Program`] on this machine (argv directly, or `sh -c`).

use tokio::process::Command;

use super::ExecError;
use crate::tools::Program;

/// The command that runs `program` locally, and its name for errors.
pub fn command(program: &Program) -> Result<(Command, String), ExecError> {
    match program {
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
    }
}
