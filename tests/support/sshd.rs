//! A real sshd on 127.0.0.1 with generated keys and a pinned known_hosts.
