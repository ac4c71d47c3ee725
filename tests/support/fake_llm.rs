//! Fake OpenAI (SSE) and Ollama (NDJSON) HTTP servers with scripted replies.
