//! poc-tui entry point: parse the command line, then open the console or run a headless command.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches};
use poc_tui::cli::{CheckArgs, Cli, ConfigArgs, GlobalArgs, Subcommand};
use poc_tui::compose::ActionKind;
use poc_tui::config::{self, Config, LoadedConfig, Policy, UserLayer};
use poc_tui::headless::{self, compose as compose_cli, exit, print_stdout};
use poc_tui::paths::Paths;

fn main() -> ExitCode {
    let paths = Paths::discover();
    let long_version = format!("{}\n{}", env!("CARGO_PKG_VERSION"), paths.describe());
    let matches = Cli::command()
        .version(env!("CARGO_PKG_VERSION"))
        .long_version(long_version)
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };

    if let Some(Subcommand::Completions { shell }) = &cli.command {
        clap_complete::generate(
            *shell,
            &mut Cli::command(),
            "poc-tui",
            &mut std::io::stdout(),
        );
        return ExitCode::SUCCESS;
    }

    let loaded = match config::load(config::choose_user_file(
        cli.global.config.as_deref(),
        paths.config_file.as_deref(),
    )) {
        Ok(loaded) => loaded,
        Err(err) => {
            poc_tui::safe_eprintln!("poc-tui: {err}");
            return ExitCode::from(exit::USAGE);
        }
    };

    poc_tui::logging::init(&paths);
    tracing::info!(config = %loaded.user_layer, "starting");

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("poc-tui: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(dispatch(cli, loaded, &paths))
}

async fn dispatch(cli: Cli, loaded: LoadedConfig, paths: &Paths) -> ExitCode {
    let config = Arc::new(loaded.config);
    let global = &cli.global;
    // The one policy of this run: every command that could change something gets this value.
    let policy = Policy::new(global.read_only);
    let code = match cli.command {
        None => return open_console(config, global).await,
        Some(Subcommand::Check(args)) => return check(&config, &args, global, policy).await,
        Some(Subcommand::Config(args)) => {
            show_config(&config, &args, paths, &loaded.user_layer);
            exit::OK
        }
        Some(Subcommand::Ps(args)) => {
            headless::ps::run(&config, &args, global.docker_host.clone()).await
        }
        Some(Subcommand::Workspaces(args)) => {
            let docker_host = global.docker_host.as_deref();
            headless::workspaces::run(Arc::clone(&config), &args, docker_host, policy).await
        }
        Some(Subcommand::Logs(args)) => {
            headless::logs::run(&config, &args, global.docker_host.clone()).await
        }
        Some(Subcommand::Users(args)) => {
            headless::users::run(&config, &args, global, policy, paths).await
        }
        Some(Subcommand::Doctor(args)) => {
            let (text, code) =
                headless::doctor::run(&config, &args, global.docker_host.as_deref(), policy, paths)
                    .await;
            print_stdout(&text);
            code
        }
        Some(Subcommand::Up(args)) => {
            let kind = if args.force_recreate {
                ActionKind::ForceRecreate
            } else {
                ActionKind::Apply
            };
            let (services, project) = (&args.services, &args.project);
            compose_cli::run_actions(
                &config,
                global,
                kind,
                services,
                project,
                args.dry_run,
                policy,
                paths,
            )
            .await
        }
        Some(Subcommand::Restart(args)) => {
            let (services, project) = (&args.services, &args.project);
            let kind = ActionKind::Restart;
            compose_cli::run_actions(
                &config,
                global,
                kind,
                services,
                project,
                args.dry_run,
                policy,
                paths,
            )
            .await
        }
        Some(Subcommand::Drift(args)) => compose_cli::run_drift(&config, global, &args).await,
        Some(Subcommand::Timeline(args)) => {
            let docker_host = global.docker_host.as_deref();
            headless::timeline::run(&config, paths, docker_host, &args).await
        }
        Some(Subcommand::Bundle(args)) => {
            headless::bundle::run(&config, paths, global, policy, &args).await
        }
        Some(Subcommand::Completions { .. }) => exit::OK,
    };
    ExitCode::from(code)
}

/// The interactive console, colours chosen once from `NO_COLOR`.
async fn open_console(config: Arc<Config>, global: &GlobalArgs) -> ExitCode {
    if let Err(err) = color_eyre::install() {
        eprintln!("poc-tui: {err}");
    }
    // Read once: the console never changes its mind about colours while it runs.
    let no_color = std::env::var_os("NO_COLOR");
    poc_tui::ui::theme::init(poc_tui::ui::theme::colours_wanted(no_color.as_deref()));
    let options = poc_tui::tui::RunOptions {
        read_only: global.read_only,
        docker_host: global.docker_host.clone(),
        compose: true,
        data_dir: poc_tui::paths::Paths::discover().data_dir,
        config_file: global.config.clone(),
    };
    match poc_tui::tui::run(config, options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("poc-tui: {err:?}");
            ExitCode::FAILURE
        }
    }
}

/// `poc-tui check`: probe once, print text or JSON, exit by the worst health.
async fn check(config: &Config, args: &CheckArgs, global: &GlobalArgs, policy: Policy) -> ExitCode {
    let targets = match headless::check::select_targets(config, &args.services) {
        Ok(t) => t,
        Err(msg) => {
            poc_tui::safe_eprintln!("poc-tui: {msg}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let docker_host = global.docker_host.as_deref();
    let output = match headless::check::run(config, &targets, docker_host, policy).await {
        Ok(o) => o,
        Err(msg) => {
            poc_tui::safe_eprintln!("poc-tui: {msg}");
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        print_stdout(&(serde_json::to_string_pretty(&output).unwrap_or_default() + "\n"));
    } else {
        headless::print_text(&headless::check::render_text(&output));
    }
    ExitCode::from(headless::check::exit_code(&output))
}

/// `poc-tui config`: the effective config with secrets masked, or only the paths.
fn show_config(config: &Config, args: &ConfigArgs, paths: &Paths, user_layer: &UserLayer) {
    if args.paths {
        headless::print_text(&format!(
            "{}\nuser layer:  {user_layer}\n",
            paths.describe()
        ));
    } else {
        eprintln!("# effective config: {user_layer}");
        headless::print_text(&config.to_masked_toml());
    }
}
