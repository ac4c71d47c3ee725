//! The Docker executor target: tool calls on a watched container run through the Engine API
//! (bollard), never the `docker` CLI. The program reads like the CLI so policy classifies it
//! (`docker ps`, `docker inspect C`, `docker logs --tail N C`, `docker restart C`,
//! `docker start C`, `docker stop C`); the container is the call's target, and one outside
//! the watched set is refused before any call that names it is made.

use std::time::{Duration, Instant};

use super::output::OutputSink;
use super::{Cancel, ExecError, ExecOutcome, ExecRequest};
use crate::docker::{DockerError, DockerWatchConfig, Engine, verify};
use crate::tools::Program;

/// How a Docker call ended.
enum Ending {
    Done,
    Failed(String),
    TimedOut,
    Cancelled,
}

/// Run `request` against `container` with the `[watch.docker]` settings. Output reaches the
/// file as the call goes (log chunks as they stream, `restarted X` before the verification),
/// so the live view shows it. When `cancel` fires, the call is abandoned at once: its future
/// is dropped, which closes the Engine API connection (a log stream stops; an ongoing
/// verification stops polling). A restart or stop Docker already received may still finish
/// on the daemon's side; the output file says so.
pub async fn run(
    config: &DockerWatchConfig,
    container: &str,
    request: &ExecRequest,
    mut cancel: Cancel,
    max_file_bytes: u64,
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
    let output_error = |source| ExecError::Output {
        path: request.output_path.clone(),
        source,
    };
    let mut sink =
        OutputSink::create_capped(&request.output_path, request.output_cap, max_file_bytes)
            .map_err(output_error)?;
    let started = Instant::now();
    let ending = {
        let work = tokio::time::timeout(
            request.timeout,
            perform(config, container, &argv, &mut sink),
        );
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Ending::Cancelled,
            r = work => match r {
                Ok(Ok(())) => Ending::Done,
                Ok(Err(PerformError::Docker(DockerError::NotWatched(name)))) => {
                    return Err(ExecError::NotWatched(name));
                }
                Ok(Err(PerformError::Docker(e))) => Ending::Failed(format!("{e}\n")),
                Ok(Err(PerformError::Output(source))) => return Err(output_error(source)),
                Err(_) => Ending::TimedOut,
            },
        }
    };
    let duration = started.elapsed();
    match &ending {
        Ending::Done => {}
        Ending::Failed(text) => sink.write(text.as_bytes()).map_err(output_error)?,
        Ending::TimedOut => sink
            .note(&format!("timed out after {} s", request.timeout.as_secs()))
            .map_err(output_error)?,
        Ending::Cancelled => sink
            .note(&format!(
                "cancelled by operator after {:.1} s; the Docker API call was abandoned \
                 (a restart or stop Docker had already received may still complete)",
                duration.as_secs_f64()
            ))
            .map_err(output_error)?,
    }
    let bytes = sink.cap.total();
    let (sha, capped, dropped_bytes) = sink.finish().map_err(output_error)?;
    Ok(ExecOutcome {
        exit_code: match ending {
            Ending::Done => Some(0),
            Ending::Failed(_) => Some(1),
            Ending::TimedOut | Ending::Cancelled => None,
        },
        signal: None,
        duration,
        timed_out: matches!(ending, Ending::TimedOut),
        connection_error: None,
        stdout_bytes: bytes,
        stderr_bytes: 0,
        output_sha256: sha,
        capped_output: capped.render(),
        capture: capped,
        cancelled: matches!(ending, Ending::Cancelled),
        dropped_bytes,
    })
}

/// Why a Docker operation stopped early.
enum PerformError {
    Docker(DockerError),
    Output(std::io::Error),
}

impl From<DockerError> for PerformError {
    fn from(e: DockerError) -> Self {
        PerformError::Docker(e)
    }
}

impl From<std::io::Error> for PerformError {
    fn from(e: std::io::Error) -> Self {
        PerformError::Output(e)
    }
}

async fn perform(
    config: &DockerWatchConfig,
    container: &str,
    argv: &[String],
    out: &mut OutputSink,
) -> Result<(), PerformError> {
    let (op, rest) = match argv {
        [docker, op, rest @ ..] if docker == "docker" => (op.as_str(), rest),
        _ => {
            return Err(
                DockerError::Api(format!("not a docker operation: {}", argv.join(" "))).into(),
            );
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
        return Err(DockerError::NotWatched((*other).to_string()).into());
    }
    let engine = Engine::connect(config).await?;
    if op == "ps" && container.is_empty() {
        out.write(ps(&engine, None).await?.as_bytes())?;
        return Ok(());
    }
    // Refused before anything names the container to Docker.
    let info = engine.resolve(container).await?;
    let verify_window = Duration::from_secs(config.verify_secs);
    match op {
        "ps" => out.write(ps(&engine, Some(&info.name)).await?.as_bytes())?,
        "inspect" => {
            let inspect = engine.inspect(&info.id).await?;
            let text = serde_json::to_string_pretty(&inspect)
                .map_err(|e| DockerError::Api(e.to_string()))?;
            out.write(text.as_bytes())?;
        }
        "logs" => {
            let mut write_err = None;
            engine
                .logs_each(&info.id, lines.clamp(1, 10_000), |chunk| {
                    if write_err.is_none()
                        && let Err(e) = out.write(chunk)
                    {
                        write_err = Some(e);
                    }
                    write_err.is_none()
                })
                .await?;
            if let Some(e) = write_err {
                return Err(e.into());
            }
        }
        "restart" => {
            out.write(format!("restarting {}\n", info.name).as_bytes())?;
            engine
                .restart(&info.id, config.restart_timeout_secs)
                .await?;
            out.write(format!("restarted {}\n", info.name).as_bytes())?;
            out.flush()?;
            let verdict = verify::verify(&engine, &info.id, verify_window).await?;
            out.write(format!("{verdict}\n").as_bytes())?;
        }
        "start" => {
            engine.start(&info.id).await?;
            out.write(format!("started {}\n", info.name).as_bytes())?;
            out.flush()?;
            let verdict = verify::verify(&engine, &info.id, verify_window).await?;
            out.write(format!("{verdict}\n").as_bytes())?;
        }
        "stop" => {
            out.write(format!("stopping {}\n", info.name).as_bytes())?;
            engine.stop(&info.id, config.restart_timeout_secs).await?;
            out.write(format!("stopped {}\n", info.name).as_bytes())?;
        }
        other => {
            return Err(DockerError::Api(format!("unknown docker operation `{other}`")).into());
        }
    }
    Ok(())
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
