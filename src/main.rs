//! poc-tui entry point: parse the command line, then open the console or run a headless command.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches};
use poc_tui::cli::{Cli, Command};
use poc_tui::compose::ActionKind;
use poc_tui::config::{self, LoadedConfig};
use poc_tui::headless::{self, compose as compose_cli, exit};
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

    if let Some(Command::Completions { shell }) = &cli.command {
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
            eprintln!("poc-tui: {err}");
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
    match cli.command {
        None => {
            if let Err(err) = color_eyre::install() {
                eprintln!("poc-tui: {err}");
            }
            // Read once: the console never changes its mind about colours while it runs.
            let no_color = std::env::var_os("NO_COLOR");
            poc_tui::ui::theme::init(poc_tui::ui::theme::colours_wanted(no_color.as_deref()));
            let options = poc_tui::tui::RunOptions {
                read_only: cli.global.read_only,
                docker_host: cli.global.docker_host.clone(),
                compose: true,
            };
            match poc_tui::tui::run(config, options).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("poc-tui: {err:?}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Check(args)) => {
            let targets = match headless::check::select_targets(&config, &args.services) {
                Ok(t) => t,
                Err(msg) => {
                    eprintln!("poc-tui: {msg}");
                    return ExitCode::from(exit::USAGE);
                }
            };
            let output = match headless::check::run(&config, &targets).await {
                Ok(o) => o,
                Err(msg) => {
                    eprintln!("poc-tui: {msg}");
                    return ExitCode::FAILURE;
                }
            };
            let text = if args.json {
                serde_json::to_string_pretty(&output).unwrap_or_default() + "\n"
            } else {
                headless::check::render_text(&output)
            };
            print_stdout(&text);
            ExitCode::from(headless::check::exit_code(&output))
        }
        Some(Command::Config(args)) => {
            if args.paths {
                print_stdout(&format!(
                    "{}\nuser layer:  {}\n",
                    paths.describe(),
                    loaded.user_layer
                ));
            } else {
                eprintln!("# effective config: {}", loaded.user_layer);
                print_stdout(&config.to_masked_toml());
            }
            ExitCode::SUCCESS
        }
        Some(Command::Ps(args)) => {
            ExitCode::from(headless::ps::run(&config, &args, cli.global.docker_host.clone()).await)
        }
        Some(Command::Logs(args)) => ExitCode::from(
            headless::logs::run(&config, &args, cli.global.docker_host.clone()).await,
        ),
        Some(Command::Users(args)) => {
            let code = headless::users::run(&config, &args, &cli.global, paths).await;
            ExitCode::from(code)
        }
        Some(Command::Doctor(args)) => {
            let (text, code) =
                headless::doctor::run(&config, &args, cli.global.docker_host.as_deref(), paths)
                    .await;
            print_stdout(&text);
            ExitCode::from(code)
        }
        Some(Command::Up(args)) => {
            let kind = if args.force_recreate {
                ActionKind::ForceRecreate
            } else {
                ActionKind::Apply
            };
            ExitCode::from(
                compose_cli::run_actions(
                    &config,
                    &cli.global,
                    kind,
                    &args.services,
                    &args.project,
                    args.dry_run,
                    paths,
                )
                .await,
            )
        }
        Some(Command::Restart(args)) => ExitCode::from(
            compose_cli::run_actions(
                &config,
                &cli.global,
                ActionKind::Restart,
                &args.services,
                &args.project,
                args.dry_run,
                paths,
            )
            .await,
        ),
        Some(Command::Drift(args)) => {
            ExitCode::from(compose_cli::run_drift(&config, &cli.global, &args).await)
        }
        Some(Command::Timeline(args)) => ExitCode::from(
            headless::timeline::run(&config, paths, cli.global.docker_host.as_deref(), &args).await,
        ),
        Some(Command::Bundle(args)) => {
            ExitCode::from(headless::bundle::run(&config, paths, &cli.global, &args).await)
        }
        Some(Command::Completions { .. }) => ExitCode::SUCCESS,
    }
}

/// Writes to stdout, ignoring a closed pipe (`poc-tui check | head -1`).
fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
