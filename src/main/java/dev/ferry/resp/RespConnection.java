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
            conn.authenticate(options);
            return conn;
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new RedisConnectionException("cannot connect to " + address + ": timed out");
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
            throw new RedisConnectionException("authentication to " + address + " refused: " + r);
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
            return reader.read();
        } catch (SocketTimeoutException e) {
            close(); // a late reply would answer the next call
            throw new RedisConnectionException("no answer from " + address + " within the read timeout");
        } catch (IOException e) {
            close();
            throw new RedisConnectionException("connection to " + address + " failed: " + oneLine(e));
        }
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
