using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FunctionsHost.Invocations;
using FunctionsHost.Workers;
using Google.Protobuf;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;
using Yarp.ReverseProxy.Forwarder;

namespace FunctionsHost.Http;

/// <summary>
/// Forwards a request to the worker's own Kestrel (HttpUri) with x-ms-invocation-id and sends the matching
/// InvocationRequest, as the Azure host's DefaultHttpProxyService: bodies are streamed both ways by YARP.
/// </summary>
internal sealed class HttpForwarding(IHttpForwarder forwarder, WorkerSupervisor supervisor, Invoker invoker, ILogger<HttpForwarding> logger) : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    /// <summary>How long a request waits for a worker while one is being (re)started before it gets a 503: as long as a start-up may take.</summary>
    private static readonly TimeSpan WorkerWait = WorkerSupervisor.StartupTimeout;

    private readonly HttpMessageInvoker _client = new(new RetryConnectHandler(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        ActivityHeadersPropagator = null,
    }));

    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        ActivityTimeout = TimeSpan.FromMinutes(30),
    };

    public async Task ForwardAsync(HttpContext context, FunctionDescriptor function)
    {
        ReadyWorker worker;
        try
        {
            worker = await supervisor.WaitReadyAsync(context.RequestAborted).WaitAsync(WorkerWait, context.RequestAborted);
        }
        catch (TimeoutException)
        {
            await Problem(context, StatusCodes.Status503ServiceUnavailable, "worker_unavailable", "The Functions worker is not running; the host is starting a new one.");
            return;
        }
        if (worker.HttpUri is null)
        {
            await Problem(context, StatusCodes.Status500InternalServerError, "no_http_uri", "The worker does not serve HTTP (no HttpUri capability: use ConfigureFunctionsWebApplication).");
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        var request = Request(context, function, invocationId);
        context.Request.Headers[InvocationIdHeader] = invocationId;
        // The worker's request continues the invocation's trace, as the Azure host's forwarder propagates its own
        // activity: the caller's traceparent is replaced by the host's span under it (or a new trace without one).
        context.Request.Headers.TraceParent = request.TraceContext.TraceParent;
        if (string.IsNullOrEmpty(request.TraceContext.TraceState))
        {
            context.Request.Headers.Remove("tracestate");
        }
        else
        {
            context.Request.Headers.TraceState = request.TraceContext.TraceState;
        }
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var invocation = invoker.InvokeAsync(worker, function, request,
            "This function was programmatically called via the host APIs.", abandon.Token);

        var transformer = new InvocationTransformer(invocation);
        var error = await forwarder.SendAsync(context, worker.HttpUri.GetLeftPart(UriPartial.Authority), _client, RequestConfig, transformer);
        if (error != ForwarderError.None)
        {
            logger.LogWarning("Forwarding to the worker failed for 'Functions.{Name}' ({Error}); answered {Status}.",
                function.Name, error, context.Response.StatusCode);
            if (!invocation.IsCompleted)
            {
                // The worker may never answer this invocation (it died, or the request broke off): stop waiting.
                await abandon.CancelAsync();
            }
        }
        var outcome = await invocation;
        // A forwarding error has its own answer (400 for a client's broken body, 502/504 for the worker): the invocation
        // that failed because of it changes nothing.
        if (!outcome.Succeeded && error == ForwarderError.None && !context.Response.HasStarted)
        {
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
    }

    public void Dispose() => _client.Dispose();

    private static InvocationRequest Request(HttpContext context, FunctionDescriptor function, string invocationId)
    {
        var request = new InvocationRequest { InvocationId = invocationId, FunctionId = function.Id };
        // As the Azure host's request telemetry does, the invocation continues the caller's W3C trace (a span of its
        // own under the caller's), or starts one, sampled in, when the caller sent none: the worker's invocation
        // activity, and what the function starts, share its trace id.
        var hasCaller = ActivityContext.TryParse(context.Request.Headers.TraceParent.ToString(), context.Request.Headers.TraceState.ToString(), isRemote: true, out var caller);
        request.TraceContext = new RpcTraceContext
        {
            TraceParent = hasCaller
                ? $"00-{caller.TraceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-{(caller.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}"
                : $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01",
            TraceState = hasCaller ? caller.TraceState ?? "" : "",
        };

        var http = new RpcHttp
        {
            Method = context.Request.Method,
            Url = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}",
        };
        foreach (var (name, value) in context.Request.RouteValues)
        {
            var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            http.Params[name] = text;
            request.TriggerMetadata[name] = new TypedData { String = text };
        }
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Http = http } });
        request.TriggerMetadata["Query"] = new TypedData
        {
            Json = JsonSerializer.Serialize(context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString())),
        };
        request.TriggerMetadata["Headers"] = new TypedData
        {
            Json = JsonSerializer.Serialize(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString())),
        };
        return request;
    }

    private static Task Problem(HttpContext context, int status, string code, string detail)
    {
        context.Response.StatusCode = status;
        return Results.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code }).ExecuteAsync(context);
    }

    /// <summary>
    /// When the worker's answer is an empty body, the invocation has already finished (the worker answers the
    /// request when the function returns): if it failed, the client gets a bare 500, as from the Azure host,
    /// instead of the worker's empty 200. A body means the function wrote a response: it is streamed as is.
    /// </summary>
    private sealed class InvocationTransformer(Task<InvocationOutcome> invocation) : HttpTransformer
    {
        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            if (proxyResponse?.Content.Headers.ContentLength == 0)
            {
                var outcome = await invocation.WaitAsync(cancellationToken);
                if (!outcome.Succeeded)
                {
                    httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    return false;
                }
            }
            return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        }
    }
}
