//! The Docker executor target: tool calls on a watched container run through the Engine API
//! (bollard), never the `docker` CLI. The program is `[operation]` (`docker_ps`,
//! `docker_inspect`, `docker_logs` [lines], `docker_restart`, `docker_start`, `docker_stop`);
//! a container outside the watched set is refused before any call that names it is made.

use std::time::{Duration, Instant};

use super::output::OutputSink;
use super::{ExecError, ExecOutcome, ExecRequest};
use crate::docker::{DockerError, DockerWatchConfig, Engine, verify};
use crate::tools::Program;

/// Run `request` against `container` with the `[watch.docker]` settings.
pub async fn run(
    config: &DockerWatchConfig,
    container: &str,
    request: &ExecRequest,
) -> Result<ExecOutcome, ExecError> {
    let argv = match &request.program {
        Program::Argv(argv) if !argv.is_empty() => argv.clone(),
        other => {
            return Err(ExecError::Spawn {
                program: other.display(),
                source: std::io::Error::other("a docker tool needs an operation"),
            });
        }
    };
    let started = Instant::now();
    let work = perform(config, container, &argv);
    let (text, failed, timed_out) = match tokio::time::timeout(request.timeout, work).await {
        Ok(Ok(text)) => (text, false, false),
        Ok(Err(DockerError::NotWatched(name))) => return Err(ExecError::NotWatched(name)),
        Ok(Err(e)) => (format!("{e}\n"), true, false),
        Err(_) => (String::new(), true, true),
    };
    let output_error = |source| ExecError::Output {
        path: request.output_path.clone(),
        source,
    };
    let mut sink =
        OutputSink::create(&request.output_path, request.output_cap).map_err(output_error)?;
    sink.write(text.as_bytes()).map_err(output_error)?;
    if timed_out {
        sink.note(&format!("timed out after {} s", request.timeout.as_secs()))
            .map_err(output_error)?;
    }
    let bytes = sink.cap.total();
    let (sha, capped) = sink.finish().map_err(output_error)?;
    Ok(ExecOutcome {
        exit_code: (!timed_out).then_some(if failed { 1 } else { 0 }),
        signal: None,
        duration: started.elapsed(),
        timed_out,
        connection_error: None,
        stdout_bytes: bytes,
        stderr_bytes: 0,
        output_sha256: sha,
        capped_output: capped,
    })
}

async fn perform(
    config: &DockerWatchConfig,
    container: &str,
    argv: &[String],
) -> Result<String, DockerError> {
    let engine = Engine::connect(config).await?;
    // Refused before anything names the container to Docker.
    let info = engine.resolve(container).await?;
    let verify_window = Duration::from_secs(config.verify_secs);
    match argv[0].as_str() {
        "docker_ps" => {
            let mut out = String::new();
            for c in engine.list().await? {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\n",
                    c.name, c.image, c.state, c.status
                ));
            }
            Ok(out)
        }
        "docker_inspect" => {
            let inspect = engine.inspect(&info.id).await?;
            serde_json::to_string_pretty(&inspect).map_err(|e| DockerError::Api(e.to_string()))
        }
        "docker_logs" => {
            let lines = argv
                .get(1)
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(config.log_lines)
                .clamp(1, 10_000);
            engine.logs(&info.id, lines).await
        }
        "docker_restart" => {
            engine
                .restart(&info.id, config.restart_timeout_secs)
                .await?;
            let verdict = verify::verify(&engine, &info.id, verify_window).await?;
            Ok(format!("restarted {}\n{verdict}\n", info.name))
        }
        "docker_start" => {
            engine.start(&info.id).await?;
            let verdict = verify::verify(&engine, &info.id, verify_window).await?;
            Ok(format!("started {}\n{verdict}\n", info.name))
        }
        "docker_stop" => {
            engine.stop(&info.id, config.restart_timeout_secs).await?;
            Ok(format!("stopped {}\n", info.name))
        }
        other => Err(DockerError::Api(format!(
            "unknown docker operation `{other}`"
        ))),
    }
}
