using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace SampleWorker;

public sealed class HttpFunctions
{
    [Function(nameof(Hello))]
    public IResult Hello([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "hello/{name}")] HttpRequest request, string name) =>
        Results.Ok(new { greeting = $"Hello {name}", q = request.Query["q"].ToString(), pid = Environment.ProcessId });

    /// <summary>Reads the whole body first (HTTP/1.1 to the worker: writing while reading can deadlock), then echoes it.</summary>
    [Function(nameof(Echo))]
    public async Task<IResult> Echo([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "echo")] HttpRequest request)
    {
        var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        body.Position = 0;
        return Results.Stream(body, "application/octet-stream");
    }

    [Function(nameof(Secure))]
    public IResult Secure([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "secure")] HttpRequest request) =>
        Results.Text("secret");

    [Function(nameof(Boom))]
    public IResult Boom([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boom")] HttpRequest request) =>
        throw new InvalidOperationException("boom: this detail must not reach the client");

    [Function(nameof(Item))]
    public IResult Item([HttpTrigger(AuthorizationLevel.Anonymous, "get", "delete", Route = "items/{id:int}")] HttpRequest request, int id) =>
        Results.Ok(new { id, method = request.Method });

    [Function(nameof(Files))]
    public IResult Files([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "files/{*path}")] HttpRequest request, string path) =>
        Results.Text(path);

    /// <summary>Waits until the client or the host gives up: an in-flight request for the worker-kill test.</summary>
    [Function(nameof(Wait))]
    public async Task<IResult> Wait([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "wait")] HttpRequest request, FunctionContext context)
    {
        await Task.Delay(TimeSpan.FromMinutes(2), context.CancellationToken);
        return Results.Text("waited");
    }
}
