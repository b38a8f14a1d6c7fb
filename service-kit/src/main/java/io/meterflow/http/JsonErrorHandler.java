package io.meterflow.http;

import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the errors Jetty produces itself (a bad request line or header, a bad Content-Length, headers too large,
 * a URI too long, an unsupported HTTP version, requests refused while stopping) in Meterflow's shape,
 * {@code {"message": "..."}}: never an HTML page, never a stack trace.
 */
final class JsonErrorHandler implements Request.Handler {

    private static final Logger LOG = LoggerFactory.getLogger(JsonErrorHandler.class);

    private final Supplier<HttpService.AnswerListener> answers;

    /** @param answers who is told of each answer (Jetty answers these before any route is chosen: "unmatched") */
    JsonErrorHandler(Supplier<HttpService.AnswerListener> answers) {
        this.answers = answers;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        String message = request.getAttribute(ErrorHandler.ERROR_MESSAGE) instanceof String m ? m : null;
        Throwable cause = request.getAttribute(ErrorHandler.ERROR_EXCEPTION) instanceof Throwable t ? t : null;
        if (cause instanceof HttpException http) {
            status = http.getCode();
            if (message == null) {
                message = http.getReason();
            }
        }
        if (status == 400 && badPercentEscape(cause)) {
            // Jetty's parser rejects a bad %XX in the request line with a bare "Bad Request"; its cause says why.
            message = "malformed percent-escape in the request URI (use %XX with two hexadecimal digits)";
        }
        if (status < 400) {
            status = 500;
        }
        if (status == 500) {
            // Jetty's own 500s (none expected: handlers' failures are answered by HttpService) hide their cause.
            LOG.warn("{} {} answered 500 by Jetty", request.getMethod(), request.getHttpURI().getPath(), cause);
            message = "internal error; the server log has the details";
        } else if (message == null || message.isBlank()) {
            message = HttpStatus.getMessage(status);
        }
        HttpResponse answer = HttpService.error(status, message);
        response.setStatus(status);
        answers.get().answered("unmatched", status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        HttpService.addRetryHint(response.getHeaders(), status);
        if (HttpStatus.hasNoBody(status)) {
            response.write(true, ByteBuffer.allocate(0), callback);
        } else if ("HEAD".equalsIgnoreCase(request.getMethod())) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.body().length);
            response.write(true, ByteBuffer.allocate(0), callback);
        } else {
            response.write(true, ByteBuffer.wrap(answer.body()), callback);
        }
        return true;
    }

    /** Whether Jetty failed to decode a %XX: "!hex z" (a NumberFormatException) or "Bad URI % encoding". */
    private static boolean badPercentEscape(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NumberFormatException
                    || (t instanceof IllegalArgumentException && String.valueOf(t.getMessage()).contains("%"))) {
                return true;
            }
        }
        return false;
    }
}
