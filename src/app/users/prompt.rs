//! The masked password prompt of the Users tab: `f` on an account created without a password
//! asks for one (or makes one, shown in the prompt until it closes) and sets it.

use crate::app::vocab::{Effect, KeyCode, KeyModifiers, KeyPress};
use crate::identity::worker::IdentityRequest;
use crate::identity::{Fix, Sensitive};

/// Longest password the prompt takes, as the create form.
const MAX_LEN: usize = 256;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct PasswordPrompt {
    pub username: String,
    pub password: String,
    /// Shown in clear only after Ctrl-V, or when poc-tui made it (Ctrl-G): the operator has
    /// to hand it over, and it is shown nowhere else.
    pub reveal: bool,
    pub generated: bool,
    pub error: Option<String>,
}

/// Everything but the password, which appears as its length only.
impl std::fmt::Debug for PasswordPrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordPrompt")
            .field("username", &self.username)
            .field(
                "password",
                &format_args!("<redacted, {} chars>", self.password.chars().count()),
            )
            .field("reveal", &self.reveal)
            .field("generated", &self.generated)
            .field("error", &self.error)
            .finish()
    }
}

/// What a key did to the prompt.
pub enum PromptOutcome {
    Stay,
    Cancel,
    /// The fix to send, with the password it sets.
    Submit(Effect),
}

impl PasswordPrompt {
    pub fn new(username: &str) -> Self {
        PasswordPrompt {
            username: username.to_owned(),
            ..PasswordPrompt::default()
        }
    }

    /// What the prompt shows in the password field.
    pub fn shown(&self) -> String {
        if self.reveal {
            self.password.clone()
        } else {
            "•".repeat(self.password.chars().count().min(24))
        }
    }

    pub fn key(&mut self, key: KeyPress) -> PromptOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return PromptOutcome::Cancel,
            KeyCode::Char('v') if ctrl => self.reveal = !self.reveal,
            KeyCode::Char('g') if ctrl => match Sensitive::generate() {
                Ok(p) => {
                    p.expose().clone_into(&mut self.password);
                    self.generated = true;
                    self.reveal = true;
                    self.error = None;
                }
                Err(e) => self.error = Some(format!("cannot make a password: {e}")),
            },
            KeyCode::Enter => {
                if self.password.is_empty() {
                    self.error = Some("type a password, or Ctrl-G to make one".into());
                    return PromptOutcome::Stay;
                }
                return PromptOutcome::Submit(Effect::Identity(Box::new(
                    IdentityRequest::ApplyFixWithPassword {
                        fix: Fix::SetAuthentikPassword {
                            username: self.username.clone(),
                        },
                        password: Sensitive::new(self.password.clone()),
                    },
                )));
            }
            KeyCode::Backspace => {
                self.password.pop();
                self.generated = false;
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() && self.password.len() < MAX_LEN => {
                self.password.push(c);
                self.generated = false;
                self.error = None;
            }
            _ => {}
        }
        PromptOutcome::Stay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(p: &mut PasswordPrompt, code: KeyCode, modifiers: KeyModifiers) -> PromptOutcome {
        p.key(KeyPress::new(code, modifiers))
    }

    #[test]
    fn an_empty_password_is_refused_with_a_reason() {
        let mut p = PasswordPrompt::new("readonly");
        assert!(matches!(
            press(&mut p, KeyCode::Enter, KeyModifiers::NONE),
            PromptOutcome::Stay
        ));
        assert!(p.error.as_deref().is_some_and(|e| e.contains("Ctrl-G")));
    }

    #[test]
    fn typed_text_is_masked_and_sent_with_the_fix() {
        let mut p = PasswordPrompt::new("readonly");
        for c in "Pa55-word".chars() {
            press(&mut p, KeyCode::Char(c), KeyModifiers::NONE);
        }
        assert_eq!(p.shown(), "•".repeat(9));
        assert!(!format!("{p:?}").contains("Pa55"));
        let PromptOutcome::Submit(Effect::Identity(request)) =
            press(&mut p, KeyCode::Enter, KeyModifiers::NONE)
        else {
            panic!("Enter sends the fix");
        };
        assert_eq!(
            *request,
            IdentityRequest::ApplyFixWithPassword {
                fix: Fix::SetAuthentikPassword {
                    username: "readonly".into()
                },
                password: Sensitive::new("Pa55-word"),
            }
        );
    }

    #[test]
    fn a_generated_password_is_shown_in_the_prompt() {
        let mut p = PasswordPrompt::new("readonly");
        press(&mut p, KeyCode::Char('g'), KeyModifiers::CONTROL);
        assert!(p.generated && p.reveal);
        assert_eq!(p.password.len(), 20);
        assert_eq!(p.shown(), p.password);
    }
}
