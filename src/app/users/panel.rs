//! The Users tab's own state and its handlers: the live matrix, the create dialog, the
//! progress of a create, and the confirmation before a destructive fix.

use crate::app::vocab::{KeyCode, KeyModifiers, KeyPress};

use crate::app::vocab::Effect;
use crate::config::Config;
use crate::identity::create::{CreateReport, NewUser, CREATABLE_ROLES};
use crate::identity::worker::{IdentityEvent, IdentityRequest};
use crate::identity::{Fix, Matrix, Sensitive, System};

use super::prompt::{PasswordPrompt, PromptOutcome};

/// Wraps work for the identity worker as a loop command.
pub fn to_worker(command: IdentityRequest) -> Effect {
    Effect::Identity(Box::new(command))
}

/// The create form's fields, in tab order.
pub const FORM_FIELDS: [&str; 5] = ["Username", "Email", "Display name", "Role", "Password"];
const ROLE_FIELD: usize = 3;
const PASSWORD_FIELD: usize = 4;

#[derive(Clone, Default)]
pub struct CreateForm {
    /// Username, email, display name; the password lives in `password`.
    pub text: [String; 3],
    pub role: usize,
    pub password: String,
    pub focus: usize,
    pub error: Option<String>,
    /// The password is shown only after Ctrl-V, on purpose.
    pub reveal: bool,
}

/// Shows every field but the password, which appears as its length only, so a form that
/// reaches a log, a panic message or a test failure never carries it.
impl std::fmt::Debug for CreateForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateForm")
            .field("text", &self.text)
            .field("role", &self.role)
            .field(
                "password",
                &format_args!("<redacted, {} chars>", self.password.chars().count()),
            )
            .field("focus", &self.focus)
            .field("error", &self.error)
            .field("reveal", &self.reveal)
            .finish()
    }
}

impl CreateForm {
    pub fn role_name(&self) -> &'static str {
        CREATABLE_ROLES[self.role % CREATABLE_ROLES.len()]
    }

    fn new_user(&self) -> NewUser {
        NewUser {
            username: self.text[0].trim().to_owned(),
            email: self.text[1].trim().to_owned(),
            name: self.text[2].trim().to_owned(),
            role: self.role_name().to_owned(),
        }
    }
}

impl UsersPanel {
    /// The person being created now, while a creation runs.
    pub fn creating(&self) -> Option<&str> {
        match &self.dialog {
            Some(Dialog::Progress {
                report,
                finished: false,
            }) => Some(report.user.username.as_str()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Dialog {
    Create(CreateForm),
    Progress {
        report: CreateReport,
        finished: bool,
    },
    /// Waiting for the worker to say what a destructive fix would remove.
    Preparing(Fix),
    Confirm {
        fix: Fix,
        text: String,
    },
    /// The masked prompt for the password of an account created without one.
    Password(PasswordPrompt),
    /// Forget a person poc-tui remembers, after this confirmation.
    Forget {
        username: String,
        source: String,
    },
}

#[derive(Debug, Default)]
pub struct UsersPanel {
    pub matrix: Option<Matrix>,
    pub loading: bool,
    pub origins: Vec<(System, String, String)>,
    pub authentik_hint: Option<String>,
    pub dialog: Option<Dialog>,
    /// The password of the last create, kept for a resume; shown only when revealed.
    pub password: Option<Sensitive>,
}

impl UsersPanel {
    /// Rows in the table: the live matrix, or the configured people until it arrives.
    pub fn row_count(&self, config: &Config) -> usize {
        self.matrix
            .as_ref()
            .map_or(config.users.len(), |m| m.rows.len())
    }

    pub fn selected_username(&self, row: usize) -> Option<&str> {
        self.matrix
            .as_ref()
            .and_then(|m| m.rows.get(row))
            .map(|r| r.username.as_str())
    }

    /// Applies a worker event; returns a status-bar message when there is one to show.
    pub fn apply_event(&mut self, event: IdentityEvent) -> Option<String> {
        match event {
            IdentityEvent::Loading => {
                self.loading = true;
                None
            }
            IdentityEvent::Loaded {
                matrix,
                origins,
                authentik_hint,
            } => {
                self.loading = false;
                self.matrix = Some(*matrix);
                self.origins = origins;
                self.authentik_hint = authentik_hint;
                None
            }
            IdentityEvent::CreateProgress(report) => {
                self.dialog = Some(Dialog::Progress {
                    report,
                    finished: false,
                });
                None
            }
            IdentityEvent::CreateFinished(report) => {
                let msg = if report.is_complete() {
                    format!("{} is set up", report.user.username)
                } else {
                    format!(
                        "creating {} stopped: press r in the dialog to resume",
                        report.user.username
                    )
                };
                self.dialog = Some(Dialog::Progress {
                    report,
                    finished: true,
                });
                Some(msg)
            }
            IdentityEvent::ConfirmReady { fix, text } => {
                if matches!(&self.dialog, Some(Dialog::Preparing(f)) if fix.answers(f)) {
                    self.dialog = Some(Dialog::Confirm { fix, text });
                }
                None
            }
            IdentityEvent::FixDone(result) => {
                if matches!(self.dialog, Some(Dialog::Preparing(_))) {
                    self.dialog = None;
                }
                Some(match result {
                    Ok(m) => m,
                    Err(e) => format!("fix failed: {e}"),
                })
            }
        }
    }

    /// `x`: asks before forgetting the selected person, when poc-tui remembers them.
    pub fn ask_forget(&mut self, row: usize) -> Result<(), String> {
        let Some(r) = self.matrix.as_ref().and_then(|m| m.rows.get(row)) else {
            return Err("no user selected".into());
        };
        let Some(source) = r.remembered.clone() else {
            return Err(format!(
                "{} is not remembered by poc-tui (the config or a system names them): \
                 nothing to forget",
                r.username
            ));
        };
        self.dialog = Some(Dialog::Forget {
            username: r.username.clone(),
            source,
        });
        Ok(())
    }

    /// `n`: opens the create dialog.
    pub fn open_create(&mut self) {
        self.dialog = Some(Dialog::Create(CreateForm::default()));
    }

    /// `f`: the selected person's first fix poc-tui can apply; destructive ones ask first.
    pub fn fix_selected(&mut self, row: usize) -> Result<Vec<Effect>, String> {
        let Some(m) = &self.matrix else {
            return Err("the systems have not been read yet".into());
        };
        let Some(user) = m.rows.get(row).map(|r| r.username.clone()) else {
            return Err("no user selected".into());
        };
        let mut findings = m.findings_for(&user);
        let Some(finding) = findings.find(|f| f.fix.is_applicable()) else {
            return Err(match m.findings_for(&user).next() {
                Some(f) => f.fix.describe(),
                None => format!("nothing to fix for {user}"),
            });
        };
        let fix = finding.fix.clone();
        if let Fix::SetAuthentikPassword { username } = &fix {
            // The password is asked for here; it never reaches a command line or a file.
            self.dialog = Some(Dialog::Password(PasswordPrompt::new(username)));
            return Ok(Vec::new());
        }
        if fix.is_destructive() {
            self.dialog = Some(Dialog::Preparing(fix.clone()));
            Ok(vec![to_worker(IdentityRequest::PrepareFix(fix))])
        } else {
            Ok(vec![to_worker(IdentityRequest::ApplyFix(fix))])
        }
    }

    /// A key in the new-user form: typing, or submitting the create.
    fn create_form_key(
        &mut self,
        mut form: CreateForm,
        key: KeyPress,
        config: &Config,
    ) -> (Vec<Effect>, Option<String>) {
        match form_key(&mut form, key, config) {
            FormOutcome::Stay => self.dialog = Some(Dialog::Create(form)),
            FormOutcome::Cancel => {}
            FormOutcome::Submit(user) => {
                let password =
                    (!form.password.is_empty()).then(|| Sensitive::new(form.password.clone()));
                self.password.clone_from(&password);
                self.dialog = Some(Dialog::Progress {
                    report: CreateReport::plan(user.clone()),
                    finished: false,
                });
                return (
                    vec![to_worker(IdentityRequest::Create {
                        user,
                        password,
                        resume: None,
                    })],
                    None,
                );
            }
        }
        (Vec::new(), None)
    }

    /// Keys while a dialog is open. Returns the commands, and a status message.
    pub fn handle_dialog_key(
        &mut self,
        key: KeyPress,
        config: &Config,
    ) -> (Vec<Effect>, Option<String>) {
        let Some(dialog) = self.dialog.take() else {
            return (Vec::new(), None);
        };
        match dialog {
            Dialog::Create(form) => self.create_form_key(form, key, config),
            Dialog::Progress { report, finished } => match key.code {
                KeyCode::Esc | KeyCode::Enter if finished => (Vec::new(), None),
                KeyCode::Char('r') if finished && !report.is_complete() => {
                    let user = report.user.clone();
                    self.dialog = Some(Dialog::Progress {
                        report: report.clone(),
                        finished: false,
                    });
                    (
                        vec![to_worker(IdentityRequest::Create {
                            user,
                            password: self.password.clone(),
                            resume: Some(report),
                        })],
                        Some("resuming…".into()),
                    )
                }
                _ => {
                    self.dialog = Some(Dialog::Progress { report, finished });
                    (Vec::new(), None)
                }
            },
            Dialog::Preparing(fix) => {
                if key.code != KeyCode::Esc {
                    self.dialog = Some(Dialog::Preparing(fix));
                }
                (Vec::new(), None)
            }
            Dialog::Password(mut prompt) => match prompt.key(key) {
                PromptOutcome::Stay => {
                    self.dialog = Some(Dialog::Password(prompt));
                    (Vec::new(), None)
                }
                PromptOutcome::Cancel => (Vec::new(), Some("cancelled".into())),
                PromptOutcome::Submit(effect) => (
                    vec![effect],
                    Some(format!("setting the password of {}…", prompt.username)),
                ),
            },
            Dialog::Forget { username, source } => match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => (
                    vec![to_worker(IdentityRequest::Forget(username.clone()))],
                    Some(format!("forgetting {username}…")),
                ),
                KeyCode::Char('n' | 'N') | KeyCode::Esc => (Vec::new(), Some("cancelled".into())),
                _ => {
                    self.dialog = Some(Dialog::Forget { username, source });
                    (Vec::new(), None)
                }
            },
            Dialog::Confirm { fix, text } => match key.code {
                KeyCode::Char('y' | 'Y') => (
                    vec![to_worker(IdentityRequest::ApplyFix(fix))],
                    Some("applying the fix…".into()),
                ),
                KeyCode::Char('n' | 'N') | KeyCode::Esc => (Vec::new(), Some("cancelled".into())),
                KeyCode::Char('c') => {
                    // The command the dialog shows, onto the terminal's clipboard (OSC 52).
                    let command = copyable_command(&fix);
                    self.dialog = Some(Dialog::Confirm { fix, text });
                    match command {
                        Some(c) => (
                            vec![Effect::Clipboard(c)],
                            Some("command copied to the clipboard".into()),
                        ),
                        None => (Vec::new(), Some("no command to copy".into())),
                    }
                }
                _ => {
                    self.dialog = Some(Dialog::Confirm { fix, text });
                    (Vec::new(), None)
                }
            },
        }
    }
}

/// The command a confirmation shows, as it can be pasted into a shell.
pub fn copyable_command(fix: &crate::identity::Fix) -> Option<String> {
    use crate::identity::Fix;
    match fix {
        Fix::CoderLoginTypeSql { command, .. } => Some(crate::identity::login_type::shown(command)),
        Fix::RecreateCoderOidc { sql, .. } if !sql.is_empty() => Some(sql.clone()),
        _ => None,
    }
}

enum FormOutcome {
    Stay,
    Cancel,
    Submit(NewUser),
}

fn form_key(form: &mut CreateForm, key: KeyPress, config: &Config) -> FormOutcome {
    let fields = FORM_FIELDS.len();
    match key.code {
        KeyCode::Esc => return FormOutcome::Cancel,
        KeyCode::Char('v') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            form.reveal = !form.reveal;
        }
        KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % fields,
        KeyCode::BackTab | KeyCode::Up => form.focus = (form.focus + fields - 1) % fields,
        KeyCode::Left if form.focus == ROLE_FIELD => {
            form.role = (form.role + CREATABLE_ROLES.len() - 1) % CREATABLE_ROLES.len();
        }
        KeyCode::Right | KeyCode::Char(' ') if form.focus == ROLE_FIELD => {
            form.role = (form.role + 1) % CREATABLE_ROLES.len();
        }
        KeyCode::Enter => {
            let user = form.new_user();
            match user.validate(config) {
                Ok(()) => return FormOutcome::Submit(user),
                Err(e) => form.error = Some(e),
            }
        }
        KeyCode::Backspace => match form.focus {
            PASSWORD_FIELD => {
                form.password.pop();
            }
            i if i < 3 => {
                form.text[i].pop();
            }
            _ => {}
        },
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) && !c.is_control() => {
            match form.focus {
                PASSWORD_FIELD if form.password.len() < 256 => form.password.push(c),
                i if i < 3 && form.text[i].chars().count() < 254 => form.text[i].push(c),
                _ => {}
            }
        }
        _ => {}
    }
    FormOutcome::Stay
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_create_form_never_shows_the_password() {
        let form = CreateForm {
            text: ["dana".into(), "dana@example.com".into(), "Dana".into()],
            password: "Hunter2-Secret!".into(),
            ..CreateForm::default()
        };
        for text in [
            format!("{form:?}"),
            format!("{form:#?}"),
            format!("{:?}", Dialog::Create(form.clone())),
        ] {
            assert!(!text.contains("Hunter2"), "{text}");
            assert!(text.contains("dana@example.com"), "{text}");
            assert!(text.contains("<redacted, 15 chars>"), "{text}");
        }
    }
}
