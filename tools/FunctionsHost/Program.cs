using System.Net;
using FunctionsHost;
using FunctionsHost.Admin;
using FunctionsHost.Configuration;
using FunctionsHost.Http;
using FunctionsHost.Invocations;
using FunctionsHost.Rpc;
using FunctionsHost.Workers;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Console;

// A local Azure Functions host for a .NET isolated worker's build output: see README.md.
if (CommandLine.Parse(args) is not { } commandLine)
{
    return 2;
}
ScriptHost host;
try
{
    host = ScriptHost.Load(commandLine.ScriptRoot);
}
catch (Exception exception) when (exception is InvalidOperationException or System.Text.Json.JsonException or IOException)
{
    Console.Error.WriteLine($"functions-host: {exception.Message}");
    return 2;
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.Logging.AddConsole(options => options.FormatterName = FuncConsoleFormatter.Name)
    .AddConsoleFormatter<FuncConsoleFormatter, ConsoleFormatterOptions>();
builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning)
    .AddFilter("Grpc", LogLevel.Warning).AddFilter("Yarp", LogLevel.Warning).AddFilter("Azure", LogLevel.Warning);
builder.Logging.AddConfiguration(host.HostJson.Logging); // host.json logging.logLevel, also for the worker's RpcLog lines

ListenOptions? grpcListen = null;
ListenOptions? publicListen = null;
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = 100 * 1024 * 1024; // Azure's limit for a request body
    kestrel.Listen(IPAddress.Loopback, 0, listen =>
    {
        listen.Protocols = HttpProtocols.Http2;
        grpcListen = listen;
    });
    kestrel.Listen(IPAddress.Loopback, commandLine.Port, listen =>
    {
        listen.Protocols = HttpProtocols.Http1;
        publicListen = listen;
    });
});
builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(20));
builder.Services.AddGrpc(options =>
{
    options.MaxReceiveMessageSize = null;
    options.MaxSendMessageSize = null;
    options.IgnoreUnknownServices = true; // its catch-all "unimplemented" endpoints would turn the functions' 405s into 404s
});
builder.Services.AddRouting();
builder.Services.AddHttpForwarder();
builder.Services.AddSingleton(host);
builder.Services.AddSingleton<ServerPorts>();
builder.Services.AddSingleton<Shutdown>();
builder.Services.AddSingleton<WorkerChannels>();
builder.Services.AddSingleton<Invoker>();
builder.Services.AddSingleton<HttpForwarding>();
builder.Services.AddSingleton<FunctionEndpoints>();
builder.Services.AddSingleton<OnDemandInvocations>();
// The trigger listeners stop before the worker is terminated (see Shutdown).
builder.Services.AddSingleton<WorkerSupervisor>();
builder.Services.AddHostedService(services => services.GetRequiredService<WorkerSupervisor>());
builder.Services.AddHostedService<TriggerListeners>();

var app = builder.Build();
var endpoints = app.Services.GetRequiredService<FunctionEndpoints>();
app.Use(async (context, next) =>
{
    // Requests that arrive while the first worker starts wait for the routes rather than getting a 404.
    if (context.Connection.LocalPort == publicListen!.IPEndPoint!.Port && !context.Request.Path.StartsWithSegments("/admin"))
    {
        try
        {
            await endpoints.Published.WaitAsync(TimeSpan.FromMinutes(1), context.RequestAborted);
        }
        catch (TimeoutException)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
    }
    await next(context);
});
app.UseRouting();
app.MapGrpcService<FunctionRpcService>();
app.MapGet("/admin/host/status", (WorkerSupervisor supervisor) =>
    Results.Json(new { state = supervisor.IsReady ? "Running" : "Initialized", version = WorkerSupervisor.HostVersion }));
app.MapAdminFunctions();
((IEndpointRouteBuilder)app).DataSources.Add(endpoints);

try
{
    await app.StartAsync();
}
catch (IOException exception)
{
    Console.Error.WriteLine($"functions-host: cannot listen on port {commandLine.Port}: {exception.Message}");
    return 2;
}
var publicUri = new Uri($"http://{(commandLine.Port == 0 ? "127.0.0.1" : "localhost")}:{publicListen!.IPEndPoint!.Port}/");
app.Services.GetRequiredService<ServerPorts>().Bound(new Uri($"http://127.0.0.1:{grpcListen!.IPEndPoint!.Port}/"), publicUri);
Console.Out.WriteLine($"Functions host {WorkerSupervisor.HostVersion} (local) for {host.ScriptRoot}");
Console.Out.WriteLine($"Listening on {publicUri}");
Console.Out.Flush();
await app.WaitForShutdownAsync();
return 0;

/// <summary>The host's command line: --script-root DIR (default: the current folder) and --port N (default 7071; 0 picks a free one).</summary>
internal sealed record CommandLine(string ScriptRoot, int Port)
{
    private const string Usage = "usage: FunctionsHost [--script-root <worker build output>] [--port <port, 0 for a free one>]";

    public static CommandLine? Parse(string[] args)
    {
        var scriptRoot = Directory.GetCurrentDirectory();
        var port = 7071;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--help" or "-h":
                    Console.Out.WriteLine(Usage);
                    return null;
                case "--script-root" when value is not null:
                    scriptRoot = value;
                    i++;
                    break;
                case "--port" when int.TryParse(value, out var parsed) && parsed is >= 0 and <= 65535:
                    port = parsed;
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"functions-host: unknown or incomplete argument '{args[i]}'.");
                    Console.Error.WriteLine(Usage);
                    return null;
            }
        }
        return new CommandLine(scriptRoot, port);
    }
}
