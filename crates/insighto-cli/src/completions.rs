//! `insighto completions SHELL` and `insighto man`: generated from the same clap
//! definition the binary parses with, so they always match its flags.

use clap::CommandFactory;

use crate::{Cli, Failure, exit};

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "insighto", &mut script);
    write(&script)
}

/// Writes the man page (roff) to stdout: `insighto man > insighto.1`.
pub fn man() -> Result<(), Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Failure::new(exit::OTHER, format!("cannot render the man page: {e}")))?;
    write(&page)
}

fn write(bytes: &[u8]) -> Result<(), Failure> {
    crate::out(&String::from_utf8_lossy(bytes));
    Ok(())
}
