//! The commands a command line really runs, as the classifier finds them: every simple
//! command and every command a runner (`sudo -u root`, `env -C`, `timeout -s KILL 5`,
//! `sh -c` …) runs, read with the runners' own option grammars. Forbid and ask rules match
//! these, so they see through the same wrappers the classifier does.

/// What [`unwrap`] found in one command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unwrapped {
    /// Every command reached (outer runners and the commands they run), as argv.
    pub commands: Vec<Vec<String>>,
    /// Some command's name is only known at run time (`$(echo reboot)`, `` `…` ``, `$CMD`),
    /// or the line was too complex to analyse: a rule cannot see what it runs.
    pub opaque: bool,
}

/// Most commands recorded for one line (the classifier's own budget bounds the work).
const MAX_COMMANDS: usize = 4096;

impl Unwrapped {
    pub(crate) fn record(&mut self, argv: Vec<String>) {
        if self.commands.len() < MAX_COMMANDS && !self.commands.contains(&argv) {
            self.commands.push(argv);
        }
    }
}

/// The commands `command` runs, after the classifier's unwrapping.
pub fn unwrap(command: &str) -> Unwrapped {
    super::classify::collecting(|| super::classify::script(command, 0)).1
}
