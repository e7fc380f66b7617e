package dev.ferry.testkit;

import static dev.ferry.testkit.RedisTools.HOST;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real {@code redis-server} (7.x) running as a plain child process of the test JVM, bound to 127.0.0.1 on a
 * free port, with a private temp dir, {@code --save '' --appendonly no --repl-diskless-sync-delay 0
 * --enable-debug-command yes}. {@link Builder#start()} returns only when the server answers {@code PING} as
 * <em>this</em> process (its {@code INFO server} {@code process_id} is our child's PID) and has finished loading
 * any RDB file. Stop it with {@link #stop()} / {@link #close()}; a JVM shutdown hook kills leftovers.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.builder().password("s3cret").start()) {
 *     redis.cli("SET", "k", "v");
 * }
 * }</pre>
 */
public final class RedisServer implements AutoCloseable {

    private static final int MAX_BIND_ATTEMPTS = 6;

    enum Mode { STANDALONE, CLUSTER, SENTINEL }

    private final Builder spec;
    private final Path dir;
    private final Path logFile;
    private final Path stdoutFile;
    private final Tls tls;
    private volatile int port;
    private volatile int clusterBusPort;
    private volatile Process process;
    private volatile boolean stopped;
    private long startupMillis;

    /** Paths of the throw-away TLS material generated for a TLS server. */
    public record Tls(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey,
                      boolean clientAuth) {
    }

    private RedisServer(Builder spec) {
        this.spec = spec;
        try {
            this.dir = Files.createTempDirectory("ferry-" + spec.name + "-").toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create temp dir", e);
        }
        ProcessRegistry.deleteAtExit(dir);
        this.logFile = dir.resolve("redis.log");
        this.stdoutFile = dir.resolve("stdout.log");
        try {
            if (spec.rdbFile != null) {
                Files.copy(spec.rdbFile, dir.resolve(spec.dbFilename), StandardCopyOption.REPLACE_EXISTING);
            }
            if (spec.aclFile != null) {
                Files.copy(spec.aclFile, dir.resolve("users.acl"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
        this.tls = spec.tls ? generateTls(dir, spec.tlsClientAuth) : null;
    }

    /** A builder with the harness defaults (standalone, no auth, no TLS). */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a default standalone server. */
    public static RedisServer start() {
        return builder().start();
    }

    // ================================================================== builder

    /** Configures and starts a {@link RedisServer}. Not thread-safe; one builder may start several servers. */
    public static final class Builder {
        private final List<String> extraArgs = new ArrayList<>();
        private String name = "redis";
        private String password;
        private String adminUser;
        private String adminPassword;
        private Path aclFile;
        private Path rdbFile;
        private String dbFilename = "dump.rdb";
        private boolean tls;
        private boolean tlsClientAuth;
        private String replicaOfHost;
        private int replicaOfPort;
        private Duration startTimeout = Duration.ofSeconds(60);
        private Mode mode = Mode.STANDALONE;
        private int clusterNodeTimeoutMs = 2000;
        private String sentinelConfig;

        private Builder() {
        }

        private Builder copy() {
            Builder b = new Builder();
            b.extraArgs.addAll(extraArgs);
            b.name = name;
            b.password = password;
            b.adminUser = adminUser;
            b.adminPassword = adminPassword;
            b.aclFile = aclFile;
            b.rdbFile = rdbFile;
            b.dbFilename = dbFilename;
            b.tls = tls;
            b.tlsClientAuth = tlsClientAuth;
            b.replicaOfHost = replicaOfHost;
            b.replicaOfPort = replicaOfPort;
            b.startTimeout = startTimeout;
            b.mode = mode;
            b.clusterNodeTimeoutMs = clusterNodeTimeoutMs;
            b.sentinelConfig = sentinelConfig;
            return b;
        }

        /** Extra command-line tokens passed verbatim, e.g. {@code args("--maxmemory", "64mb")}. */
        public Builder args(String... tokens) {
            extraArgs.addAll(List.of(tokens));
            return this;
        }

        /** Name used in the temp dir prefix (helps finding logs). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name).replaceAll("[^A-Za-z0-9_.-]", "_");
            return this;
        }

        /** {@code --requirepass}; the harness's own redis-cli calls authenticate with it. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /**
         * Adds an ACL user as a {@code --user} config line, e.g.
         * {@code user("alice", "on", ">pw", "~*", "&*", "+@all")}.
         */
        public Builder user(String name, String... rules) {
            extraArgs.add("--user");
            extraArgs.add(name);
            extraArgs.addAll(List.of(rules));
            return this;
        }

        /** Uses {@code aclFile} (copied into the server dir) as {@code --aclfile}. */
        public Builder aclFile(Path aclFile) {
            this.aclFile = aclFile;
            return this;
        }

        /**
         * Credentials the harness's own {@code redis-cli} calls (readiness, SHUTDOWN, {@link #cli}) use, when
         * the {@code default} user cannot run them (ACL setups).
         */
        public Builder adminUser(String user, String password) {
            this.adminUser = user;
            this.adminPassword = password;
            return this;
        }

        /** {@code --loadmodule path args...}. */
        public Builder loadModule(Path module, String... moduleArgs) {
            extraArgs.add("--loadmodule");
            extraArgs.add(module.toAbsolutePath().toString());
            extraArgs.addAll(List.of(moduleArgs));
            return this;
        }

        /**
         * Copies {@code rdb} into the server dir as {@code dump.rdb} so the server loads it natively at start
         * ({@link #start()} waits for {@code loading:0}).
         */
        public Builder rdb(Path rdb) {
            this.rdbFile = rdb;
            return this;
        }

        /** TLS only ({@code --port 0 --tls-port P}), throw-away CA and server cert, {@code --tls-auth-clients no}. */
        public Builder tls() {
            return tls(false);
        }

        /** TLS; with {@code clientAuth} the server requires a client cert (one signed by the same CA is generated). */
        public Builder tls(boolean clientAuth) {
            this.tls = true;
            this.tlsClientAuth = clientAuth;
            return this;
        }

        /** {@code --replicaof host port}. */
        public Builder replicaOf(String host, int port) {
            this.replicaOfHost = host;
            this.replicaOfPort = port;
            return this;
        }

        /** How long {@link #start()} waits for PING + loading:0 (default 60 s; large RDB files take a while). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        Builder cluster(int nodeTimeoutMs) {
            this.mode = Mode.CLUSTER;
            this.clusterNodeTimeoutMs = nodeTimeoutMs;
            return this;
        }

        /** Sentinel mode; {@code config} is the body of sentinel.conf (monitor lines etc.), port/bind/dir are added. */
        Builder sentinel(String config) {
            this.mode = Mode.SENTINEL;
            this.sentinelConfig = config;
            return this;
        }

        /** Starts the server and waits until it is ready. */
        public RedisServer start() {
            RedisServer s = launch();
            try {
                s.awaitReady();
            } catch (RuntimeException e) {
                s.stop();
                throw e;
            }
            return s;
        }

        /** Launches the process without waiting (call {@link RedisServer#awaitReady()}); used to start many in parallel. */
        RedisServer launch() {
            RedisServer s = new RedisServer(copy());
            s.launchProcess();
            return s;
        }
    }

    // ================================================================== lifecycle

    private void launchProcess() {
        launchProcess(RedisTools.freePort());
    }

    private void launchProcess(int onPort) {
        port = onPort;
        if (spec.mode == Mode.CLUSTER) {
            do {
                clusterBusPort = RedisTools.freePort();
            } while (clusterBusPort == port);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(RedisTools.serverBinary().toString());
        if (spec.mode == Mode.SENTINEL) {
            Path conf = dir.resolve("sentinel.conf");
            try {
                Files.writeString(conf, spec.sentinelConfig + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cmd.add(conf.toString());
            cmd.add("--sentinel");
        }
        cmd.addAll(List.of("--daemonize", "no", "--bind", HOST, "--dir", dir.toString(),
                "--logfile", logFile.toString()));
        if (tls != null) {
            cmd.addAll(List.of("--port", "0", "--tls-port", String.valueOf(port),
                    "--tls-cert-file", tls.serverCert().toString(), "--tls-key-file", tls.serverKey().toString(),
                    "--tls-ca-cert-file", tls.caCert().toString(),
                    "--tls-auth-clients", tls.clientAuth() ? "yes" : "no"));
        } else {
            cmd.addAll(List.of("--port", String.valueOf(port)));
        }
        if (spec.mode != Mode.SENTINEL) {
            cmd.addAll(List.of("--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0",
                    "--enable-debug-command", "yes", "--dbfilename", spec.dbFilename));
        }
        if (spec.mode == Mode.CLUSTER) {
            Path nodesConf = dir.resolve("nodes.conf");
            try {
                Files.deleteIfExists(nodesConf);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cmd.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", nodesConf.toString(),
                    "--cluster-node-timeout", String.valueOf(spec.clusterNodeTimeoutMs),
                    "--cluster-port", String.valueOf(clusterBusPort)));
        }
        if (spec.password != null) {
            cmd.addAll(List.of("--requirepass", spec.password));
            if (spec.mode != Mode.SENTINEL) {
                cmd.addAll(List.of("--masterauth", spec.password));
            }
        }
        if (spec.aclFile != null) {
            cmd.addAll(List.of("--aclfile", dir.resolve("users.acl").toString()));
        }
        if (spec.replicaOfHost != null) {
            cmd.addAll(List.of("--replicaof", spec.replicaOfHost, String.valueOf(spec.replicaOfPort)));
        }
        cmd.addAll(spec.extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(stdoutFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Files.writeString(dir.resolve("command.txt"), String.join(" ", cmd) + "\n", StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            process = pb.start();
            startupMillis = -t0; // completed in awaitReady
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        ProcessRegistry.register(process);
    }

    /** Waits until PING answers from our PID and loading is finished; relaunches on a port clash. */
    void awaitReady() {
        long deadline = System.nanoTime() + spec.startTimeout.toNanos();
        int attempts = 1;
        String lastState = "not polled yet";
        while (true) {
            if (!process.isAlive()) {
                ProcessRegistry.unregister(process);
                String logs = logTail(40);
                if (logs.contains("Address already in use") && attempts < MAX_BIND_ATTEMPTS) {
                    attempts++;
                    launchProcess();
                    continue;
                }
                throw new IllegalStateException("redis-server (" + spec.mode + ", port " + port + ") exited with code "
                        + process.exitValue() + " during start-up; dir " + dir + "\n" + logs);
            }
            try {
                RedisTools.CliResult r = spec.mode == Mode.SENTINEL ? cliResult("INFO", "server")
                        : cliResult("INFO", "server", "persistence");
                String out = r.out();
                String pid = RedisTools.infoField(out, "process_id");
                if (pid != null && Long.parseLong(pid) == process.pid()) {
                    if (spec.mode == Mode.SENTINEL || "0".equals(RedisTools.infoField(out, "loading"))) {
                        startupMillis = (System.nanoTime() + startupMillis) / 1_000_000;
                        return;
                    }
                    lastState = "loading:" + RedisTools.infoField(out, "loading") + " loading_loaded_perc:"
                            + RedisTools.infoField(out, "loading_loaded_perc");
                } else {
                    lastState = RedisTools.abbreviate(r.out() + " " + r.stderr());
                }
            } catch (RuntimeException e) {
                lastState = e.toString();
            }
            if (System.nanoTime() > deadline) {
                String logs = logTail(40);
                stop();
                throw new IllegalStateException("redis-server (" + spec.mode + ", port " + port + ") not ready after "
                        + spec.startTimeout.toMillis() + " ms (last: " + lastState + "); dir " + dir + "\n" + logs);
            }
            RedisTools.sleep(Duration.ofMillis(15));
        }
    }

    /**
     * Stops the server: {@code SHUTDOWN NOSAVE NOW}, then destroy + waitFor on our own child process
     * (SIGKILL as a last resort). Idempotent. The temp dir stays until JVM exit.
     */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        Process p = process;
        if (p == null) {
            return;
        }
        try {
            if (p.isAlive()) {
                try {
                    cliResult(spec.mode == Mode.SENTINEL ? new String[] {"SHUTDOWN", "NOSAVE"}
                            : new String[] {"SHUTDOWN", "NOSAVE", "NOW"});
                } catch (RuntimeException ignored) {
                    // fall through to destroy
                }
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroy();
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        p.waitFor(5, TimeUnit.SECONDS);
                    }
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            ProcessRegistry.unregister(p);
        }
    }

    /** Kills the server with SIGKILL (simulates a crash), waits for it to exit. */
    public void kill() {
        stopped = true;
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ProcessRegistry.unregister(p);
        }
    }

    /**
     * Kills the server (SIGKILL, as a crash) and starts a new process on the same port with the same options:
     * a new run_id and, with {@code --save ''}, no data. What a restarted master looks like to its clients.
     */
    public void restartEmpty() {
        if (spec.mode == Mode.CLUSTER) throw new IllegalStateException("restartEmpty is for standalone servers");
        kill();
        stopped = false;
        launchProcess(port);
        awaitReady();
    }

    @Override
    public void close() {
        stop();
    }

    /** True while the server process is running. */
    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    // ================================================================== accessors

    /** Always {@code 127.0.0.1}. */
    public String host() {
        return HOST;
    }

    /** The (TLS port, for a TLS server) port clients connect to. */
    public int port() {
        return port;
    }

    /** {@code host:port}. */
    public String hostAndPort() {
        return HOST + ":" + port;
    }

    /** {@code redis://127.0.0.1:PORT}, or {@code rediss://...} for TLS. No credentials (see {@link #password()}). */
    public String uri() {
        return (tls != null ? "rediss" : "redis") + "://" + HOST + ":" + port;
    }

    /** Like {@link #uri()} but with {@code user:password@} (or {@code :password@}) when the server has a password. */
    public String uriWithCredentials() {
        String user = spec.adminUser != null ? spec.adminUser : "";
        String pw = spec.adminUser != null ? spec.adminPassword : spec.password;
        if (pw == null) {
            return uri();
        }
        return (tls != null ? "rediss" : "redis") + "://" + user + ":" + pw + "@" + HOST + ":" + port;
    }

    /** PID of the server process (our own child). */
    public long pid() {
        return process.pid();
    }

    /** Private temp dir ({@code --dir}); holds redis.log, stdout.log, dump.rdb, TLS material. */
    public Path dir() {
        return dir;
    }

    /** The server's {@code --logfile}. */
    public Path logFile() {
        return logFile;
    }

    /** Path of {@code dump.rdb} in {@link #dir()} (written by SAVE/BGSAVE). */
    public Path rdbPath() {
        return dir.resolve(spec.dbFilename);
    }

    /** {@code --requirepass} value, or null. */
    public String password() {
        return spec.password;
    }

    /** True when the server only listens with TLS. */
    public boolean isTls() {
        return tls != null;
    }

    /** TLS material, or null for a plain server. */
    public Tls tlsFiles() {
        return tls;
    }

    /** PEM CA certificate clients must trust to talk to this TLS server. */
    public Path caCertPath() {
        if (tls == null) {
            throw new IllegalStateException("not a TLS server");
        }
        return tls.caCert();
    }

    /** Cluster bus port (cluster nodes only), else 0. */
    public int clusterBusPort() {
        return clusterBusPort;
    }

    /** Time from process start to ready, in ms. */
    public long startupMillis() {
        return startupMillis;
    }

    /** Last {@code lines} lines of the server log and of its stdout/stderr. */
    public String logTail(int lines) {
        return "--- " + logFile + " ---\n" + RedisTools.tail(logFile, lines) + "\n--- " + stdoutFile + " ---\n"
                + RedisTools.tail(stdoutFile, lines);
    }

    /**
     * An {@link SSLContext} trusting this server's CA (and presenting the generated client cert when the server
     * requires one), for Java clients.
     */
    public SSLContext sslContext() {
        if (tls == null) {
            throw new IllegalStateException("not a TLS server");
        }
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (var in = Files.newInputStream(tls.caCert())) {
                trust.setCertificateEntry("ferry-test-ca", cf.generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (tls.clientCert() != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                Certificate clientCert;
                try (var in = Files.newInputStream(tls.clientCert())) {
                    clientCert = cf.generateCertificate(in);
                }
                String pem = Files.readString(tls.clientKey());
                String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                PrivateKey key = KeyFactory.getInstance("EC")
                        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
                keys.setKeyEntry("client", key, new char[0], new Certificate[] {clientCert});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build SSLContext from " + tls, e);
        }
    }

    // ================================================================== redis-cli

    /**
     * redis-cli connection arguments for this server ({@code -h -p}, TLS options, {@code --user}); the password
     * is passed through {@code REDISCLI_AUTH} (see {@link #cliEnv()}), not on the command line.
     */
    public List<String> cliArgs() {
        List<String> a = new ArrayList<>(List.of("-h", HOST, "-p", String.valueOf(port)));
        if (tls != null) {
            a.addAll(List.of("--tls", "--cacert", tls.caCert().toString()));
            if (tls.clientCert() != null) {
                a.addAll(List.of("--cert", tls.clientCert().toString(), "--key", tls.clientKey().toString()));
            }
        }
        if (spec.adminUser != null) {
            a.addAll(List.of("--user", spec.adminUser));
        }
        return a;
    }

    /** Environment for redis-cli ({@code REDISCLI_AUTH} when the server has a password). */
    public Map<String, String> cliEnv() {
        String pw = spec.adminUser != null ? spec.adminPassword : spec.password;
        return pw == null ? Map.of() : Map.of("REDISCLI_AUTH", pw);
    }

    /**
     * Runs {@code redis-cli} (raw output, as when not on a terminal) against this server with the admin
     * credentials and returns its stdout, stripped. Error replies come back as text (e.g. {@code "ERR ..."}); use
     * {@link #cliResult} to tell them apart.
     */
    public String cli(String... args) {
        return cliResult(args).out();
    }

    /** Like {@link #cli} but returns exit code, stdout and stderr. */
    public RedisTools.CliResult cliResult(String... args) {
        return cliWith(cliArgs(), cliEnv(), null, args);
    }

    /** Runs several commands on ONE connection (one per line on stdin), e.g. {@code "FLUSHALL\nWAIT 1 1000"}. */
    public RedisTools.CliResult cliScript(String commands) {
        return cliWith(cliArgs(), cliEnv(), commands, new String[0]);
    }

    /**
     * Runs redis-cli authenticating as {@code user} (null = default user) with {@code password} (null = none)
     * instead of the admin credentials.
     */
    public RedisTools.CliResult cliAs(String user, String password, String... args) {
        List<String> a = new ArrayList<>(cliArgs());
        int u = a.indexOf("--user");
        if (u >= 0) {
            a.remove(u + 1);
            a.remove(u);
        }
        if (user != null) {
            a.addAll(List.of("--user", user));
        }
        Map<String, String> env = password == null ? Map.of() : Map.of("REDISCLI_AUTH", password);
        return cliWith(a, env, null, args);
    }

    private RedisTools.CliResult cliWith(List<String> conn, Map<String, String> env, String stdin, String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(RedisTools.cliBinary().toString());
        cmd.addAll(conn);
        cmd.addAll(List.of(args));
        Map<String, String> e = new HashMap<>(env);
        e.putIfAbsent("REDISCLI_AUTH", null); // never inherit one from the caller's environment
        return RedisTools.run(cmd, e, stdin, RedisTools.cliTimeout());
    }

    /** {@code INFO section} text. */
    public String info(String section) {
        return cli("INFO", section);
    }

    /** One field of {@code INFO section}, or null. */
    public String infoField(String section, String field) {
        return RedisTools.infoField(info(section), field);
    }

    /**
     * {@code DBSIZE} of db 0 without Ferry's checkpoint hashes (keys under {@link Datasets#CHECKPOINT_PREFIX}):
     * they are Ferry's bookkeeping on a target, not data a test put or Ferry copied.
     */
    public long dbSize() {
        long all = Long.parseLong(cli("DBSIZE"));
        if (all == 0) return 0;
        String ours = cli("--scan", "--pattern", Datasets.CHECKPOINT_PREFIX + "*").trim();
        return all - (ours.isEmpty() ? 0 : ours.split("\n").length);
    }

    /** {@code FLUSHALL SYNC}. */
    public void flushAll() {
        String r = cli("FLUSHALL", "SYNC");
        if (!"OK".equals(r)) {
            throw new IllegalStateException("FLUSHALL on " + hostAndPort() + " failed: " + r);
        }
    }

    @Override
    public String toString() {
        return "RedisServer[" + spec.mode + " " + hostAndPort() + (tls != null ? " tls" : "") + " pid="
                + (process == null ? "-" : process.pid()) + " dir=" + dir + "]";
    }

    Mode mode() {
        return spec.mode;
    }

    // ================================================================== TLS material

    private static Tls generateTls(Path dir, boolean clientAuth) {
        Path tlsDir = dir.resolve("tls");
        try {
            Files.createDirectories(tlsDir);
            Path caKey = tlsDir.resolve("ca.key");
            Path caCert = tlsDir.resolve("ca.crt");
            openssl(tlsDir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", caKey.toString(), "-out", caCert.toString(), "-days", "2",
                    "-subj", "/CN=ferry-test-ca", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            Path[] server = issue(tlsDir, caCert, caKey, "server", "/CN=127.0.0.1",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
            Path[] client = clientAuth
                    ? issue(tlsDir, caCert, caKey, "client", "/CN=ferry-test-client", "extendedKeyUsage=clientAuth\n")
                    : new Path[] {null, null};
            return new Tls(caCert, server[0], server[1], client[0], client[1], clientAuth);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot generate TLS material in " + tlsDir, e);
        }
    }

    private static Path[] issue(Path tlsDir, Path caCert, Path caKey, String name, String subject, String ext)
            throws IOException {
        Path key = tlsDir.resolve(name + ".key");
        Path csr = tlsDir.resolve(name + ".csr");
        Path crt = tlsDir.resolve(name + ".crt");
        Path extFile = tlsDir.resolve(name + ".ext");
        Files.writeString(extFile, ext);
        openssl(tlsDir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", subject);
        openssl(tlsDir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-out", crt.toString(), "-days", "2", "-extfile", extFile.toString());
        return new Path[] {crt, key};
    }

    private static void openssl(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        RedisTools.CliResult r = RedisTools.run(cmd, Map.of(), null, Duration.ofSeconds(30));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("openssl failed (is openssl installed?): " + r);
        }
    }
}
