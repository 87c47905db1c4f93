//! What only a real terminal can do for the loop: run a child on it (a shell in a container)
//! and set its clipboard. The loop is generic over this, so tests run it on a test backend
//! with a host that refuses.

use std::io::stdout;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use ratatui::backend::Backend;
use ratatui::{DefaultTerminal, Terminal};

use super::input::TermInput;
use crate::compose::Argv;

pub trait Host<B: Backend, I> {
    /// Runs `argv` on the terminal with the console suspended; the exit status as text, or
    /// why it could not run.
    fn run_shell(
        &mut self,
        terminal: &mut Terminal<B>,
        input: &mut I,
        argv: &Argv,
    ) -> Result<String, String>;

    /// Puts `text` on the terminal's clipboard.
    fn set_clipboard(&mut self, terminal: &mut Terminal<B>, text: &str) -> Result<(), String>;
}

/// The real terminal.
pub struct RealHost;

impl Host<ratatui::backend::CrosstermBackend<std::io::Stdout>, TermInput> for RealHost {
    fn run_shell(
        &mut self,
        terminal: &mut DefaultTerminal,
        input: &mut TermInput,
        argv: &Argv,
    ) -> Result<String, String> {
        // The input reader must not compete with the child for keystrokes.
        input.release();
        let _ = execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
        println!("poc-tui: {} (exit the shell to return)", argv.display());
        let status = std::process::Command::new(&argv.program)
            .args(&argv.args)
            .envs(argv.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .status();
        *terminal = ratatui::init();
        let _ = execute!(stdout(), EnableMouseCapture);
        // Everything on screen is stale: draw every cell again.
        let _ = terminal.clear();
        status.map(|s| s.to_string()).map_err(|e| e.to_string())
    }

    fn set_clipboard(&mut self, terminal: &mut DefaultTerminal, text: &str) -> Result<(), String> {
        super::clipboard::copy(terminal.backend_mut(), text).map_err(|e| e.to_string())
    }
}

/// No real terminal (tests): shells are refused; clipboard texts are kept for inspection.
#[derive(Debug, Default)]
pub struct RefusingHost {
    pub copied: Vec<String>,
}

impl<B: Backend, I> Host<B, I> for RefusingHost {
    fn run_shell(
        &mut self,
        _terminal: &mut Terminal<B>,
        _input: &mut I,
        _argv: &Argv,
    ) -> Result<String, String> {
        Err("no terminal to run it on".to_owned())
    }

    fn set_clipboard(&mut self, _terminal: &mut Terminal<B>, text: &str) -> Result<(), String> {
        self.copied.push(text.to_owned());
        Ok(())
    }
}
