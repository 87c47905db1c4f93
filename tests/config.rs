//! The embedded default, layering, and errors that point at the exact place in the user file.

use poc_tui::config::{load_from_texts, ConfigError, Location, EMBEDDED_DEFAULT};
use poc_tui::health::spec::ProbeSpec;

fn load_user(text: &str) -> Result<poc_tui::config::Config, ConfigError> {
    load_from_texts(EMBEDDED_DEFAULT, Some(("user.toml", text)))
}

fn location_of(err: &ConfigError) -> Option<Location> {
    match err {
        ConfigError::Invalid { location, .. } => *location,
        ConfigError::Read { .. } => None,
    }
}

#[test]
fn embedded_default_describes_every_service_of_the_reference() {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("embedded default loads");
    // The manual's Service Registry, with its health check URLs.
    let registry = [
        ("coder", "http://localhost:7080/api/v2/buildinfo"),
        ("gitea", "http://localhost:3000/"),
        ("authentik", "http://localhost:9000/-/health/ready/"),
        ("minio-console", "http://localhost:9001/"),
        ("minio-api", "http://localhost:9002/minio/health/live"),
        ("mailpit", "http://localhost:8025/"),
        ("ai-gateway", "http://localhost:8090/health"),
    ];
    for (key, url) in registry {
        let service = config
            .services
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing"));
        match &service.probe {
            Some(ProbeSpec::Http { url: u, .. }) => assert_eq!(u, url, "{key}"),
            other => panic!("{key}: expected an HTTP probe, got {other:?}"),
        }
    }
    // Internal only in the reference: no host URL, probed inside the container.
    let devdb = &config.services["devdb"];
    assert_eq!(devdb.host_url, None);
    match &devdb.probe {
        Some(ProbeSpec::Exec { command, .. }) => assert_eq!(command, &["pg_isready"]),
        other => panic!("devdb: expected an in-container probe, got {other:?}"),
    }
    // No service of the reference goes unprobed.
    let unprobed: Vec<&String> = config
        .services
        .iter()
        .filter(|(_, s)| s.probe.is_none())
        .map(|(k, _)| k)
        .collect();
    assert!(unprobed.is_empty(), "no probe configured: {unprobed:?}");
    // The containers the manual names.
    let containers: Vec<&str> = config
        .services
        .values()
        .filter_map(|s| s.container.as_deref())
        .collect();
    for name in [
        "coder-server",
        "postgres",
        "gitea",
        "authentik-server",
        "authentik-worker",
    ] {
        assert!(containers.contains(&name), "container {name} missing");
    }
    // The permission matrix and SSO clients.
    assert_eq!(config.users["contractor1"].role, "contractor");
    assert!(config.roles["contractor"].gitea.restricted);
    assert!(!config.roles["app-manager"].gitea.restricted);
    assert_eq!(
        config.sso.clients["coder"].callback_url(),
        "http://host.docker.internal:7080/api/v2/users/oidc/callback"
    );
    assert_eq!(config.stack.network, "coder-network");
    assert_eq!(
        config.network.coder_access_url,
        "http://host.docker.internal:7080"
    );
}

#[test]
fn user_file_overrides_merge_over_the_default() {
    let config = load_user(
        r#"
[probes]
interval_secs = 5

[services.gitea]
host_url = "http://gitea.test:3000"
probe = { kind = "http", url = "http://127.0.0.1:13000/api/healthz" }

[services.coder]
probe = { kind = "tcp", host = "127.0.0.1", port = 7 }

[services.extra]
display = "Extra"
purpose = "a service only this site has"
probe = { kind = "tcp", host = "127.0.0.1", port = 9 }
"#,
    )
    .expect("merged config loads");
    assert_eq!(config.probes.interval_secs, 5);
    // Untouched neighbours keep their defaults.
    assert_eq!(config.probes.timeout_ms, 3000);
    // A probe of another kind replaces the default probe whole.
    assert_eq!(
        config.services["coder"].probe,
        Some(ProbeSpec::Tcp {
            host: "127.0.0.1".into(),
            port: 7,
            timeout_ms: None
        })
    );
    let gitea = &config.services["gitea"];
    assert_eq!(gitea.host_url.as_deref(), Some("http://gitea.test:3000"));
    assert_eq!(gitea.display, "Gitea");
    assert_eq!(gitea.container.as_deref(), Some("gitea"));
    assert!(config.services.contains_key("coder"));
    // New services come after the default ones, in file order.
    assert_eq!(
        config.services.keys().last().map(String::as_str),
        Some("extra")
    );
}

#[test]
fn broken_toml_reports_line_and_column() {
    let err = load_user("[probes]\ninterval_secs = = 3\n").expect_err("must fail");
    assert_eq!(location_of(&err).map(|l| l.line), Some(2));
    let text = err.to_string();
    assert!(text.starts_with("user.toml:2:"), "{text}");
    assert!(text.contains("invalid TOML"), "{text}");
}

#[test]
fn unknown_key_is_rejected_with_its_location() {
    let err =
        load_user("[services.gitea]\ndisplay = \"Gitea\"\nbogus = 1\n").expect_err("must fail");
    let text = err.to_string();
    assert!(text.starts_with("user.toml:3:1:"), "{text}");
    assert!(text.contains("bogus"), "{text}");
}

#[test]
fn wrong_type_is_rejected_with_its_location() {
    let err = load_user("\n[probes]\ninterval_secs = \"soon\"\n").expect_err("must fail");
    let text = err.to_string();
    assert!(text.starts_with("user.toml:3:1:"), "{text}");
    assert!(text.contains("probes.interval_secs"), "{text}");
}

#[test]
fn missing_required_field_points_at_the_table() {
    let err = load_user("[services.newsvc]\npurpose = \"x\"\n").expect_err("must fail");
    let text = err.to_string();
    assert!(text.starts_with("user.toml:1:11:"), "{text}");
    assert!(text.contains("display"), "{text}");
}

#[test]
fn bad_probe_kind_is_rejected() {
    let err =
        load_user("[services.gitea.probe]\nkind = \"ftp\"\nurl = \"x\"\n").expect_err("must fail");
    assert!(err.to_string().contains("ftp"), "{err}");
}

#[test]
fn references_between_tables_are_checked() {
    let err = load_user("[users.zed]\nrole = \"wizard\"\nemail = \"z@example.com\"\n")
        .expect_err("must fail");
    let text = err.to_string();
    assert!(text.starts_with("user.toml:2:1:"), "{text}");
    assert!(text.contains("unknown role \"wizard\""), "{text}");
}

#[test]
fn hostile_container_names_are_refused() {
    let err =
        load_user("[services.gitea]\ncontainer = \"gitea; rm -rf /\"\n").expect_err("must fail");
    assert!(
        err.to_string().contains("not a valid container name"),
        "{err}"
    );
}

// ---------------------------------------------------------------- mutation fuzz

/// A small deterministic generator (splitmix64): the same mutants on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The embedded default with every address turned into a closed port on loopback, so a
/// `check` of a mutant reaches nothing and answers at once.
fn unreachable_default(closed: u16) -> String {
    let text = EMBEDDED_DEFAULT.replace("localhost", "127.0.0.1");
    let mut out = String::new();
    for line in text.lines() {
        let mut line = line.to_owned();
        if let Some(at) = line.find("127.0.0.1:") {
            let start = at + "127.0.0.1:".len();
            let digits = line[start..]
                .chars()
                .take_while(char::is_ascii_digit)
                .count();
            line.replace_range(start..start + digits, &closed.to_string());
        }
        if line.contains("port = 5432") {
            line = line.replace("port = 5432", &format!("port = {closed}"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

const HUGE_NUMBERS: [&str; 9] = [
    "18446744073709551615",
    "9223372036854775807",
    "99999999999999999999999",
    "-1",
    "-9223372036854775808",
    "0",
    "1e308",
    "4294967296",
    "nan",
];
const OTHER_VALUES: [&str; 8] = [
    "\"x\"",
    "true",
    "[]",
    "{}",
    "1.5",
    "[1, \"a\"]",
    "\"\"",
    "{ env = 3 }",
];
const GARBAGE: [&str; 10] = [
    "[[",
    "]]",
    "=",
    "\"",
    "}",
    "{",
    "\u{202e}",
    "\u{0}",
    "[services.x]\n",
    "\n= 1\n",
];

/// One random edit: a number made huge, negative or zero; a value of another type; a line
/// dropped or doubled; garbage inserted; the file cut short.
fn mutate_once(text: &str, rng: &mut Rng) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return format!("{text}{}", rng.pick(&GARBAGE));
    }
    let n = rng.below(lines.len());
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    match rng.below(7) {
        0 | 1 => {
            // A number (or any value) on an assignment line, replaced.
            let numbers_only = rng.below(2) == 0;
            let candidates: Vec<usize> = (0..lines.len())
                .filter(|i| lines[*i].contains(" = ") && !lines[*i].starts_with('#'))
                .filter(|i| {
                    !numbers_only
                        || lines[*i]
                            .split_once(" = ")
                            .is_some_and(|(_, v)| v.trim().parse::<i64>().is_ok())
                })
                .collect();
            let Some(&i) = candidates.get(rng.below(candidates.len())) else {
                return format!("{text}{}", rng.pick(&GARBAGE));
            };
            let (key, _) = lines[i].split_once(" = ").unwrap_or((lines[i], ""));
            let value = if rng.below(2) == 0 {
                rng.pick(&HUGE_NUMBERS)
            } else {
                rng.pick(&OTHER_VALUES)
            };
            out[i] = format!("{key} = {value}");
        }
        2 => {
            out.remove(n);
        }
        3 => out.insert(n, lines[rng.below(lines.len())].to_owned()),
        4 => {
            let garbage = rng.pick(&GARBAGE);
            let at = rng.below(out[n].len() + 1);
            let at = (0..=at)
                .rev()
                .find(|i| out[n].is_char_boundary(*i))
                .unwrap_or(0);
            out[n].insert_str(at, garbage);
        }
        5 => {
            let joined = out.join("\n");
            let cut = rng.below(joined.len());
            let cut = (0..=cut)
                .rev()
                .find(|i| joined.is_char_boundary(*i))
                .unwrap_or(0);
            return joined[..cut].to_owned();
        }
        _ => {
            // Every number of the file pushed to one extreme.
            let extreme = rng.pick(&["9223372036854775807", "4294967296000", "0", "-1"]);
            return out
                .iter()
                .map(|l| match l.split_once(" = ") {
                    Some((k, v)) if v.trim().parse::<u64>().is_ok() => format!("{k} = {extreme}"),
                    _ => l.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
    }
    out.join("\n") + "\n"
}

/// Runs the binary with a deadline; the exit code, or why there is none, and stderr.
fn run_bounded(args: &[&std::ffi::OsStr], data: &std::path::Path) -> (Option<i32>, String) {
    use std::time::{Duration, Instant};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_poc-tui"))
        .args(args)
        .env("POC_TUI_DATA", data)
        .env("XDG_CONFIG_HOME", data.join("config"))
        .env("DOCKER_HOST", "unix:///nonexistent/poctui-fuzz.sock")
        .env_remove("POC_TUI_CONFIG")
        .env_remove("AUTHENTIK_TOKEN")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            return (status.code(), stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "did not finish within 30 s".to_owned());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What the console does with an accepted config's numbers: deadlines and schedules added
/// to the clock. An error names the one that would overflow it.
fn schedule_fits_the_clock(user: &str) -> Result<(), String> {
    use std::time::{Duration, Instant};
    let Ok(config) = load_from_texts(EMBEDDED_DEFAULT, Some(("mutant", user))) else {
        return Ok(());
    };
    let now = Instant::now();
    let mut spans = vec![
        (
            "probes.interval_secs",
            Duration::from_secs(config.probes.interval_secs),
        ),
        (
            "probes.timeout_ms",
            Duration::from_millis(config.probes.timeout_ms),
        ),
        (
            "diagnose.interval_secs",
            Duration::from_secs(config.diagnose.interval_secs),
        ),
        (
            "identity.timeout_ms",
            Duration::from_millis(config.identity.timeout_ms),
        ),
    ];
    for service in config.services.values() {
        if let Some(probe) = &service.probe {
            spans.push(("a probe's timeout_ms", probe.timeout(Duration::ZERO)));
        }
    }
    // Ten years of uptime later, every deadline must still be representable.
    let later = now
        .checked_add(Duration::from_secs(10 * 365 * 86_400))
        .unwrap_or(now);
    for (what, span) in spans {
        if span
            .checked_mul(2)
            .and_then(|s| later.checked_add(s))
            .is_none()
        {
            return Err(format!("{what} = {span:?} overflows the clock"));
        }
    }
    if config.logs.max_lines > 50_000_000 || config.probes.history > 1_000_000 {
        return Err("a buffer size would exhaust memory".to_owned());
    }
    Ok(())
}

#[test]
fn out_of_range_numbers_are_located_errors() {
    for (user, line, needle) in [
        ("[diagnose]\ninterval_secs = 9223372036854775807\n", 2, "diagnose.interval_secs"),
        ("[probes]\ninterval_secs = 0\n", 2, "between 1 and 86400 seconds"),
        ("\n[logs]\nmax_lines = 9000000000\n", 3, "logs.max_lines"),
        (
            "[services.gitea]\nprobe = { kind = \"tcp\", host = \"h\", port = 1, timeout_ms = 9999999999 }\n",
            2,
            "services.gitea.probe.timeout_ms",
        ),
        ("[identity]\ntimeout_ms = 86400000\n", 2, "at most 600000 milliseconds"),
    ] {
        let err = load_user(user).expect_err(user);
        let text = err.to_string();
        assert!(text.contains(needle) && text.contains("out of range"), "{text}");
        let loc = location_of(&err).unwrap_or_else(|| panic!("no location: {text}"));
        assert_eq!(loc.line, line, "{user}: {text}");
    }
}

#[test]
fn mutants_of_the_default_config_exit_0_1_or_2_and_never_panic() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let base = unreachable_default(closed);
    assert!(
        !base.contains("localhost"),
        "every address points at loopback"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(0x00c0_ffee_5eed);
    let mut failures = Vec::new();
    let mut exit_codes = std::collections::BTreeMap::new();
    for i in 0..300 {
        let mut mutant = base.clone();
        for _ in 0..=rng.below(3) {
            mutant = mutate_once(&mutant, &mut rng);
        }
        let path = dir.path().join(format!("mutant-{i}.toml"));
        std::fs::write(&path, &mutant).expect("write mutant");
        if let Err(why) = schedule_fits_the_clock(&mutant) {
            failures.push(format!("{} accepted, but {why}", path.display()));
        }
        let mut commands: Vec<Vec<&std::ffi::OsStr>> = vec![vec![
            "--config".as_ref(),
            path.as_os_str(),
            "config".as_ref(),
        ]];
        // `check` probes: a sample keeps the run short.
        if i % 6 == 0 {
            commands.push(vec![
                "--config".as_ref(),
                path.as_os_str(),
                "check".as_ref(),
                "--json".as_ref(),
            ]);
        }
        for args in commands {
            let (code, stderr) = run_bounded(&args, dir.path());
            *exit_codes.entry(code).or_insert(0) += 1;
            if code == Some(2) && !stderr.contains(&format!("mutant-{i}.toml")) {
                failures.push(format!(
                    "{}: the error does not name the file: {stderr}",
                    path.display()
                ));
            }
            if !matches!(code, Some(0..=2)) || stderr.contains("panicked") {
                failures.push(format!(
                    "{} (exit {code:?}): {}",
                    path.display(),
                    stderr.lines().take(3).collect::<Vec<_>>().join(" | ")
                ));
            }
        }
    }
    // The mutants must exercise both the accepting and the rejecting paths.
    assert!(
        exit_codes.get(&Some(2)).copied().unwrap_or(0) > 30,
        "{exit_codes:?}"
    );
    assert!(
        exit_codes.get(&Some(0)).copied().unwrap_or(0) > 30,
        "{exit_codes:?}"
    );
    if !failures.is_empty() {
        // Keep the failing mutants for a look.
        let keep = std::env::temp_dir().join("poc-tui-config-fuzz");
        let _ = std::fs::create_dir_all(&keep);
        for f in &failures {
            if let Some(p) = f.split(' ').next() {
                let p = std::path::Path::new(p);
                let _ = std::fs::copy(p, keep.join(p.file_name().unwrap_or_default()));
            }
        }
        panic!(
            "{} of the runs failed (mutants copied to {}):\n{}",
            failures.len(),
            keep.display(),
            failures.join("\n")
        );
    }
}
