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
    match &config.services["devdb"].probe {
        Some(ProbeSpec::Postgres { port, .. }) => assert_eq!(*port, 5432),
        other => panic!("devdb: expected a PostgreSQL probe, got {other:?}"),
    }
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
