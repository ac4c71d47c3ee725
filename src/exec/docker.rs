//! The Docker executor target: tool calls on a watched container run through the Engine API
//! (bollard), never the `docker` CLI. The program reads like the CLI so policy classifies it
//! (`docker ps`, `docker inspect C`, `docker logs --tail N C`, `docker restart C`,
//! `docker start C`, `docker stop C`); the container is the call's target, and one outside
//! the watched set is refused before any call that names it is made.

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
    let (sha, capped, _) = sink.finish().map_err(output_error)?;
    Ok(ExecOutcome {
        exit_code: (!timed_out).then_some(if failed { 1 } else { 0 }),
        signal: None,
        duration: started.elapsed(),
        timed_out,
        connection_error: None,
        stdout_bytes: bytes,
        stderr_bytes: 0,
        output_sha256: sha,
        capped_output: capped.render(),
        capture: capped,
        cancelled: false,
        dropped_bytes: 0,
    })
}

async fn perform(
    config: &DockerWatchConfig,
    container: &str,
    argv: &[String],
) -> Result<String, DockerError> {
    let (op, rest) = match argv {
        [docker, op, rest @ ..] if docker == "docker" => (op.as_str(), rest),
        _ => {
            return Err(DockerError::Api(format!(
                "not a docker operation: {}",
                argv.join(" ")
            )));
        }
    };
    let mut lines = config.log_lines;
    let mut operands = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        match rest[i].as_str() {
            "--tail" | "-n" => {
                lines = rest
                    .get(i + 1)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(lines);
                i += 1;
            }
            o => operands.push(o),
        }
        i += 1;
    }
    // The argv may only name the target container.
    if let Some(other) = operands.iter().find(|o| **o != container) {
        return Err(DockerError::NotWatched((*other).to_string()));
    }
    let engine = Engine::connect(config).await?;
    if op == "ps" && container.is_empty() {
        return ps(&engine, None).await;
    }
    // Refused before anything names the container to Docker.
    let info = engine.resolve(container).await?;
    let verify_window = Duration::from_secs(config.verify_secs);
    match op {
        "ps" => ps(&engine, Some(&info.name)).await,
        "inspect" => {
            let inspect = engine.inspect(&info.id).await?;
            serde_json::to_string_pretty(&inspect).map_err(|e| DockerError::Api(e.to_string()))
        }
        "logs" => engine.logs(&info.id, lines.clamp(1, 10_000)).await,
        "restart" => {
            engine
                .restart(&info.id, config.restart_timeout_secs)
                .await?;
            let verdict = verify::verify(&engine, &info.id, verify_window).await?;
            Ok(format!("restarted {}\n{verdict}\n", info.name))
        }
        "start" => {
            engine.start(&info.id).await?;
            let verdict = verify::verify(&engine, &info.id, verify_window).await?;
            Ok(format!("started {}\n{verdict}\n", info.name))
        }
        "stop" => {
            engine.stop(&info.id, config.restart_timeout_secs).await?;
            Ok(format!("stopped {}\n", info.name))
        }
        other => Err(DockerError::Api(format!(
            "unknown docker operation `{other}`"
        ))),
    }
}

/// Every watched container: name, image, state, status.
async fn ps(engine: &Engine, only: Option<&str>) -> Result<String, DockerError> {
    let mut out = String::from("NAME\tIMAGE\tSTATE\tSTATUS\n");
    for c in engine.list().await? {
        if only.is_some_and(|n| n != c.name) {
            continue;
        }
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            c.name, c.image, c.state, c.status
        ));
    }
    Ok(out)
}
