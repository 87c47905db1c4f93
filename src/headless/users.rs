//! `poc-tui users`, `users create`, `users fix`: the identity matrix without the console.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::{exit, print_stdout};
use crate::cli::{CreateArgs, FixArgs, GlobalArgs, UsersAction, UsersArgs};
use crate::config::{Config, Policy};
use crate::identity::credentials::discover;
use crate::identity::login_type::{shown, SqlRoute, CONVERT_LOGIN};
use crate::identity::report::{create_text, findings_text, matrix_text};
use crate::identity::{
    compute_remembered, connect, create, fix, memory_file, snapshot, Clients, CreateContext,
    CreateReport, Credentials, Fix, Matrix, Memory, NewUser, PolicyFinding, Sensitive, System,
};
use crate::paths::Paths;

fn json_text<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

/// How long ending the Coder session may hold up the command's exit.
const LOGOUT_WITHIN: Duration = Duration::from_secs(2);

/// Credentials, then API clients for the three systems; under a read-only `policy` every
/// client refuses changes before it sends them.
pub async fn open(config: &Config, global: &GlobalArgs, policy: Policy) -> (Credentials, Clients) {
    let creds = discover(config, global.docker_host.as_deref()).await;
    let timeout = Duration::from_millis(config.identity.timeout_ms.max(100));
    let clients = connect(&creds, timeout, policy.is_read_only()).await;
    (creds, clients)
}

#[derive(Serialize)]
struct SystemOut {
    system: System,
    url: String,
    credential: String,
    reachable: bool,
    reason: Option<String>,
    users: usize,
}

/// `users --json`: a stable shape.
#[derive(Serialize)]
struct MatrixOut<'a> {
    ok: bool,
    systems: Vec<SystemOut>,
    rows: &'a [crate::identity::MatrixRow],
    findings: &'a [PolicyFinding],
}

/// `users --json` text.
pub fn matrix_json(m: &Matrix, creds: &Credentials) -> String {
    let origins = creds.origins();
    let systems = m
        .systems
        .iter()
        .map(|s| {
            let (url, credential) = origins
                .iter()
                .find(|(sys, _, _)| *sys == s.system)
                .map(|(_, u, c)| (u.clone(), c.clone()))
                .unwrap_or_default();
            SystemOut {
                system: s.system,
                url,
                credential,
                reachable: s.reachable,
                reason: s.reason.clone(),
                users: s.users,
            }
        })
        .collect();
    json_text(&MatrixOut {
        ok: m.findings.is_empty() && m.all_reachable(),
        systems,
        rows: &m.rows,
        findings: &m.findings,
    })
}

fn verdict(m: &Matrix) -> u8 {
    if m.findings.is_empty() && m.all_reachable() {
        exit::OK
    } else {
        exit::FOUND_PROBLEMS
    }
}

/// Runs `users …` under the run's `policy`; returns the exit code.
pub async fn run(
    config: &Config,
    args: &UsersArgs,
    global: &GlobalArgs,
    policy: Policy,
    paths: &Paths,
) -> u8 {
    let memory = memory_file(paths.data_dir.as_deref());
    match &args.action {
        None => {
            let (creds, clients) = open(config, global, policy).await;
            let m = read_matrix(config, &clients, memory.as_deref()).await;
            clients.close(LOGOUT_WITHIN).await;
            if args.json {
                print_stdout(&matrix_json(&m, &creds));
            } else {
                super::print_text(&matrix_text(&m, &creds.origins()));
                if let Some(hint) = &creds.authentik.hint {
                    crate::safe_eprintln!("poc-tui: Authentik: {hint}");
                }
            }
            verdict(&m)
        }
        Some(UsersAction::Create(c)) => {
            create_cmd(config, c, args.json, global, policy, paths).await
        }
        Some(UsersAction::Fix(f)) => fix_cmd(config, f, args.json, global, policy, memory).await,
    }
}

/// Reads every system and computes the matrix with the people poc-tui remembers; forgets
/// (and saves) what settled since.
async fn read_matrix(config: &Config, clients: &Clients, file: Option<&std::path::Path>) -> Matrix {
    let snap = snapshot(clients).await;
    let mut memory = Memory::load(file);
    if memory.settle(&snap) {
        save_memory(&memory, file);
    }
    compute_remembered(config, &memory, &snap)
}

fn save_memory(memory: &Memory, file: Option<&std::path::Path>) {
    if let Err(e) = memory.save(file) {
        crate::safe_eprintln!("poc-tui: cannot save what was created: {e}");
    }
}

fn password_from_env(var: &str) -> Result<Sensitive, String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Sensitive::new(v)),
        _ => Err(format!(
            "--password-env {var}: the variable is unset or empty"
        )),
    }
}

fn resume_file(paths: &Paths, username: &str) -> Option<PathBuf> {
    paths
        .data_dir
        .as_ref()
        .map(|d| d.join("identity").join(format!("create-{username}.json")))
}

/// The password a `users create` sets: from `--password-env`, generated, or none; the exit
/// code when it cannot be had.
fn create_password(args: &CreateArgs) -> Result<(Option<Sensitive>, bool), u8> {
    match (&args.password_env, args.generate_password) {
        (Some(var), _) => match password_from_env(var) {
            Ok(p) => Ok((Some(p), false)),
            Err(e) => {
                crate::safe_eprintln!("poc-tui: {e}");
                Err(exit::USAGE)
            }
        },
        (None, true) => match Sensitive::generate() {
            Ok(p) => Ok((Some(p), true)),
            Err(e) => {
                crate::safe_eprintln!("poc-tui: cannot make a password: {e}");
                Err(exit::FOUND_PROBLEMS)
            }
        },
        (None, false) => Ok((None, false)),
    }
}

/// The report a failed run for the same person left, to resume; else a new plan.
fn resumed_or_planned(file: Option<&std::path::Path>, user: &NewUser) -> CreateReport {
    file.and_then(|f| std::fs::read_to_string(f).ok())
        .and_then(|t| serde_json::from_str::<CreateReport>(&t).ok())
        .filter(|r| r.user == *user)
        .inspect(|_| crate::safe_eprintln!("poc-tui: resuming the earlier, unfinished run"))
        .unwrap_or_else(|| CreateReport::plan(user.clone()))
}

async fn create_cmd(
    config: &Config,
    args: &CreateArgs,
    json: bool,
    global: &GlobalArgs,
    policy: Policy,
    paths: &Paths,
) -> u8 {
    if policy.is_read_only() {
        crate::safe_eprintln!(
            "poc-tui: users create changes the systems; not allowed with --read-only"
        );
        return exit::USAGE;
    }
    let user = NewUser {
        username: args.username.clone(),
        email: args.email.clone(),
        name: args.name.clone(),
        role: args.role.clone(),
    };
    if let Err(e) = user.validate(config) {
        crate::safe_eprintln!("poc-tui: {e}");
        return exit::USAGE;
    }
    let (password, generated) = match create_password(args) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };

    // A report left by a failed run for the same person is resumed.
    let file = resume_file(paths, &user.username);
    let mut report = resumed_or_planned(file.as_deref(), &user);

    let (_, clients) = open(config, global, policy).await;
    let ctx = CreateContext {
        clients: &clients,
        config,
        settings: &config.identity,
        password: password.as_ref(),
    };
    create::run(&mut report, &ctx, |_| {}).await;
    let memory = memory_file(paths.data_dir.as_deref());
    let mut remembered = Memory::load(memory.as_deref());
    remembered.note_create(&report, &clients).await;
    save_memory(&remembered, memory.as_deref());
    clients.close(LOGOUT_WITHIN).await;

    let password_set = matches!(
        report.status(crate::identity::StepKind::AuthentikPassword),
        Some(crate::identity::StepStatus::Done { changed: true, .. })
    );
    // A generated password is shown once, on purpose: the operator must hand it over.
    let shown = password
        .as_ref()
        .filter(|_| generated && password_set)
        .map(|p| p.expose().to_owned());
    if json {
        print_stdout(&json_text(&CreateOut {
            complete: report.is_complete(),
            report: &report,
            initial_password: shown,
        }));
    } else {
        super::print_text(&create_text(&report));
        if let Some(p) = shown {
            super::print_text(&format!("initial password (shown once): {p}\n"));
        }
    }
    let waiting = remembered
        .people
        .get(&report.user.username)
        .is_some_and(|p| p.awaiting_password.is_some());
    if waiting {
        crate::safe_eprintln!(
            "poc-tui: open: {0} has no password in Authentik and cannot sign in; set one with \
             `poc-tui users fix --user {0} --password-env VAR`",
            report.user.username
        );
    }
    if report.is_complete() {
        if let Some(f) = &file {
            let _ = std::fs::remove_file(f);
        }
        if waiting {
            exit::FOUND_PROBLEMS
        } else {
            exit::OK
        }
    } else {
        if let Some(f) = &file {
            // Private, and never written through a link planted in its place.
            let saved = f
                .parent()
                .map(crate::private_fs::ensure_private_dir)
                .transpose()
                .and_then(|_| crate::private_fs::replace_private(f, json_text(&report).as_bytes()));
            if saved.is_ok() {
                crate::safe_eprintln!(
                    "poc-tui: report saved to {}; run the same command again to resume",
                    f.display()
                );
            }
        }
        exit::FOUND_PROBLEMS
    }
}

/// `users create --json`.
#[derive(Serialize)]
struct CreateOut<'a> {
    complete: bool,
    report: &'a CreateReport,
    initial_password: Option<String>,
}

/// The fix `users fix` applies for a finding, if any: manual steps never; a Coder login
/// type only when asked by name (`--recreate-coder` or `--coder-sql`).
fn chosen_fix(fix: &Fix, args: &FixArgs, route: &SqlRoute) -> Option<Fix> {
    match fix {
        Fix::Manual { .. } => None,
        Fix::RecreateCoderOidc {
            user_id,
            username,
            email,
            ..
        } => {
            if args.coder_sql.contains(username) {
                let command = route
                    .command(user_id)
                    .map_err(|why| {
                        crate::safe_eprintln!(
                            "poc-tui: {username}: the login type cannot be changed in the \
                             database: {why}; {CONVERT_LOGIN}"
                        );
                    })
                    .ok()?;
                Some(Fix::CoderLoginTypeSql {
                    username: username.clone(),
                    email: email.clone(),
                    command,
                })
            } else if args.recreate_coder.contains(username) {
                Some(fix.clone())
            } else {
                None
            }
        }
        other => Some(other.clone()),
    }
}

#[derive(Serialize)]
struct FixOut<'a> {
    dry_run: bool,
    applied: Vec<(String, Result<String, String>)>,
    remaining: &'a [PolicyFinding],
}

/// The findings `users fix` works on: everyone's, or one person's with `--user` (an unknown
/// name is a usage error, naming the people there are).
fn scoped<'a>(m: &'a Matrix, user: Option<&str>) -> Result<Vec<&'a PolicyFinding>, String> {
    let Some(user) = user else {
        return Ok(m.findings.iter().collect());
    };
    if !m.rows.iter().any(|r| r.username == user) {
        let known: Vec<&str> = m.rows.iter().map(|r| r.username.as_str()).collect();
        return Err(format!(
            "--user {user}: no such person; the matrix has {}",
            known.join(", ")
        ));
    }
    Ok(m.findings_for(user).collect())
}

/// Exit code for the scoped findings: 0 when none remain and every system was read.
fn scoped_verdict(m: &Matrix, remaining: &[PolicyFinding]) -> u8 {
    if remaining.is_empty() && m.all_reachable() {
        exit::OK
    } else {
        exit::FOUND_PROBLEMS
    }
}

/// Applies the chosen fix of each finding, saying what happened unless `json`.
async fn apply_each(
    findings: &[&PolicyFinding],
    args: &FixArgs,
    route: &SqlRoute,
    ctx: (&Clients, Option<&Sensitive>, bool),
    remembered: &mut Memory,
) -> Vec<(String, Result<String, String>)> {
    let (clients, password, json) = ctx;
    let mut applied = Vec::new();
    for f in findings {
        let Some(chosen) = chosen_fix(&f.fix, args, route) else {
            continue;
        };
        if let Fix::CoderLoginTypeSql { command, .. } = &chosen {
            if !json {
                super::print_text(&format!("running: {}\n", shown(command)));
            }
        }
        let result = fix::apply(&chosen, clients, password, remembered)
            .await
            .map_err(|e| e.to_string());
        if !json {
            match &result {
                Ok(msg) => super::print_text(&format!("✓ {msg}\n")),
                Err(e) => super::print_text(&format!("✗ {}: {e}\n", chosen.describe())),
            }
        }
        applied.push((f.username.clone(), result));
    }
    applied
}

fn print_fix_out(
    json: bool,
    dry_run: bool,
    applied: Vec<(String, Result<String, String>)>,
    remaining: &[PolicyFinding],
) {
    if json {
        print_stdout(&json_text(&FixOut {
            dry_run,
            applied,
            remaining,
        }));
    } else {
        super::print_text(&findings_text(remaining));
    }
}

async fn fix_cmd(
    config: &Config,
    args: &FixArgs,
    json: bool,
    global: &GlobalArgs,
    policy: Policy,
    memory: Option<PathBuf>,
) -> u8 {
    if policy.is_read_only() && !args.dry_run {
        crate::safe_eprintln!(
            "poc-tui: users fix changes the systems; use --dry-run with --read-only"
        );
        return exit::USAGE;
    }
    let password = match args.password_env.as_deref().map(password_from_env) {
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            crate::safe_eprintln!("poc-tui: {e}");
            return exit::USAGE;
        }
        None => None,
    };
    let (_, clients) = open(config, global, policy).await;
    let file = memory.as_deref();
    let before = read_matrix(config, &clients, file).await;
    let todo = match scoped(&before, args.user.as_deref()) {
        Ok(todo) => todo,
        Err(e) => {
            clients.close(LOGOUT_WITHIN).await;
            crate::safe_eprintln!("poc-tui: {e}");
            return exit::USAGE;
        }
    };
    if args.dry_run {
        clients.close(LOGOUT_WITHIN).await;
        let remaining: Vec<PolicyFinding> = todo.into_iter().cloned().collect();
        print_fix_out(json, true, Vec::new(), &remaining);
        return scoped_verdict(&before, &remaining);
    }
    let mut remembered = Memory::load(file);
    let route = if args.coder_sql.is_empty() {
        SqlRoute::of(config, global.docker_host.as_deref())
    } else {
        SqlRoute::find(config, global.docker_host.as_deref()).await
    };
    let ctx = (&clients, password.as_ref(), json);
    let applied = apply_each(&todo, args, &route, ctx, &mut remembered).await;
    save_memory(&remembered, file);
    let after = read_matrix(config, &clients, file).await;
    clients.close(LOGOUT_WITHIN).await;
    let remaining: Vec<PolicyFinding> = scoped(&after, args.user.as_deref())
        .unwrap_or_default()
        .into_iter()
        .cloned()
        .collect();
    print_fix_out(json, false, applied, &remaining);
    scoped_verdict(&after, &remaining)
}
