package dev.ferry.resp;

import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * One TCP (or TLS) connection to a Redis-protocol server, authenticated. Synchronous {@link #call}s for
 * control traffic; the pipelined writer uses {@link #output()} and {@link #reader()} directly.
 */
public final class RespConnection implements AutoCloseable {
    private final RedisUri.HostPort address;
    private final Socket socket;
    private final OutputStream out;
    private final RespReader reader;
    private final RespOutput encoder = new RespOutput(256);
    /** Whether a reply has come yet: until then, bytes that are not RESP mean the port is not a Redis server. */
    private boolean answered;
    private boolean tls;

    private RespConnection(RedisUri.HostPort address, Socket socket) throws IOException {
        this.address = address;
        this.socket = socket;
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        this.reader = new RespReader(socket.getInputStream());
    }

    public static RespConnection open(RedisUri.HostPort address, ConnectOptions options) {
        Socket socket = null;
        try {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.setReceiveBufferSize(1 << 20);
            socket.setSendBufferSize(1 << 20);
            socket.connect(new InetSocketAddress(address.host(), address.port()), options.connectTimeoutMs());
            socket.setSoTimeout(options.readTimeoutMs());
            if (options.tls()) socket = wrapTls(socket, address, options);
            RespConnection conn = new RespConnection(address, socket);
            conn.tls = options.tls();
            conn.authenticate(options);
            return conn;
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new RedisConnectionException("cannot connect to " + address + ": timed out");
        } catch (java.net.UnknownHostException e) {
            closeQuietly(socket);
            throw new RedisConnectionException("cannot connect to " + address + ": unknown host (no address found for '"
                    + address.host() + "')");
        } catch (IOException e) {
            closeQuietly(socket);
            throw new RedisConnectionException("cannot connect to " + address + ": " + oneLine(e));
        } catch (RedisConnectionException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    private void authenticate(ConnectOptions options) {
        if (options.password() == null) return;
        Reply r = options.user() != null ? call("AUTH", options.user(), options.password()) : call("AUTH", options.password());
        if (r.isError()) {
            // a server without AUTH (renamed, or not Redis) quotes the arguments back, a long password cut short:
            // never show any of it
            String why = r.toString();
            int quoted = why.indexOf("with args beginning with:");
            if (quoted >= 0) why = why.substring(0, quoted) + "with args beginning with: ***";
            if (!options.password().isEmpty()) why = why.replace(options.password(), "***");
            throw new RedisAuthException("authentication to " + address + " refused: " + why);
        }
    }

    public RedisUri.HostPort address() {
        return address;
    }

    public Reply call(String... args) {
        byte[][] bytes = new byte[args.length][];
        for (int i = 0; i < args.length; i++) bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return call(bytes);
    }

    public Reply call(byte[]... args) {
        try {
            encoder.command(args.length);
            for (byte[] a : args) encoder.arg(a);
            encoder.writeTo(out);
            out.flush();
            Reply r = reader.read();
            answered = true;
            if (r instanceof Reply.Error e && e.code().equals("NOAUTH")) {
                // the reply stays an error that starts with NOAUTH for the callers that check; what they print says what to do
                return new Reply.Error(e.message() + " (the URI needs the password: redis://user:password@host:port, "
                        + "or redis://:password@host:port for the default user)");
            }
            return r;
        } catch (RedisProtocolException e) {
            if (answered) throw e;
            close();
            throw new RedisConnectionException(notResp(address, e.unexpected(), tls), e);
        } catch (SocketTimeoutException e) {
            close(); // a late reply would answer the next call
            throw new RedisConnectionException("no answer from " + address + " within the read timeout");
        } catch (IOException e) {
            close();
            throw new ConnectionLostException("connection to " + address + " failed: " + oneLine(e)
                    + (answered || tls ? "" : " before any answer (if it is a TLS port, use rediss:// or ?tls=true)"));
        }
    }

    /**
     * Says that {@code address} is not a Redis-protocol server, from the first bytes it sent back, with a guess at
     * what it is (an HTTP server, a TLS port).
     */
    static String notResp(RedisUri.HostPort address, byte[] first, boolean tls) {
        StringBuilder shown = new StringBuilder();
        for (byte b : first) {
            if (b >= 0x20 && b < 0x7f) shown.append((char) b);
            else if (b == '\r') shown.append("\\r");
            else if (b == '\n') shown.append("\\n");
            else shown.append(String.format(java.util.Locale.ROOT, "\\x%02x", b & 0xff));
        }
        String guess = "";
        if (first.length > 0) {
            int b0 = first[0] & 0xff;
            String text = new String(first, StandardCharsets.ISO_8859_1);
            if (b0 == '<' || text.startsWith("HTTP/")) guess = " - an HTTP server?";
            else if ((b0 == 0x15 || b0 == 0x16) && (first.length == 1 || first[1] == 3)) {
                guess = tls ? " - a TLS record inside TLS?" : " - a TLS server: use rediss:// (or ?tls=true)";
            } else if (text.startsWith("SSH-")) guess = " - an SSH server?";
        }
        return address + " does not speak RESP (the Redis protocol): it answered '" + shown + "'" + guess;
    }

    /** Like {@link #call} but an error reply becomes a {@link RedisErrorException}. */
    public Reply callOk(String... args) {
        Reply r = call(args);
        if (r instanceof Reply.Error e) throw new RedisErrorException(address + ": " + args[0] + " failed: " + e.message());
        return r;
    }

    public OutputStream output() {
        return out;
    }

    public RespReader reader() {
        return reader;
    }

    public void setReadTimeout(int ms) {
        try {
            socket.setSoTimeout(ms);
        } catch (IOException e) {
            throw new RedisConnectionException("connection to " + address + " failed: " + oneLine(e));
        }
    }

    /** Shuts the socket so a thread blocked reading it wakes up. */
    @Override
    public void close() {
        closeQuietly(socket);
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        return m.replace('\n', ' ');
    }

    /** The JDK nests TLS failures as "X: sun.security...Exception: reason"; the operator needs the reason. */
    private static String innermost(Throwable e) {
        String m = oneLine(e);
        int i = m.lastIndexOf("Exception: ");
        return i >= 0 ? m.substring(i + "Exception: ".length()) : m;
    }

    private static void closeQuietly(Socket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do with a socket we are discarding
        }
    }

    private static Socket wrapTls(Socket plain, RedisUri.HostPort address, ConnectOptions options) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trustManagers(options), new SecureRandom());
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(plain, address.host(), address.port(), true);
            if (!options.tlsInsecure()) {
                SSLParameters params = ssl.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(params);
            }
            ssl.startHandshake();
            return ssl;
        } catch (IOException e) {
            throw new RedisConnectionException("TLS handshake with " + address + " failed: " + innermost(e)
                    + (options.tlsInsecure() ? "" : " (trust its CA with ?cacert=FILE, or ?insecure=true to skip checks)"));
        } catch (java.security.GeneralSecurityException e) {
            throw new RedisConnectionException("TLS set-up for " + address + " failed: " + oneLine(e));
        }
    }

    private static TrustManager[] trustManagers(ConnectOptions options) throws java.security.GeneralSecurityException, IOException {
        if (options.tlsInsecure()) {
            return new TrustManager[] {new X509TrustManager() {
                @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
                @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
                @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }};
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (options.caCertFile() == null) {
            tmf.init((KeyStore) null);
        } else {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            try (InputStream in = new FileInputStream(options.caCertFile())) {
                Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
                int i = 0;
                for (Certificate c : certs) ks.setCertificateEntry("ca" + i++, c);
            }
            tmf.init(ks);
        }
        return tmf.getTrustManagers();
    }
}
