using FunctionsHost.Configuration;
using FunctionsHost.Invocations;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;

namespace FunctionsHost.Http;

/// <summary>
/// One ASP.NET Core endpoint per httpTrigger, with its route template under routePrefix and its methods, as the
/// Azure host routes them: ASP.NET Core routing answers 404 for an unknown route and 405 for a wrong method.
/// </summary>
internal sealed class FunctionEndpoints(ScriptHost host, HttpForwarding forwarding, ILogger<FunctionEndpoints> logger) : EndpointDataSource
{
    private readonly object _lock = new();
    private IReadOnlyList<Endpoint> _endpoints = [];
    private readonly TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _changed = new();

    /// <summary>Completes once the routes of the first worker are in place.</summary>
    public Task Published => _published.Task;

    public override IReadOnlyList<Endpoint> Endpoints => _endpoints;

    public override IChangeToken GetChangeToken() => new CancellationChangeToken(_changed.Token);

    public static string RouteOf(ScriptHost host, FunctionDescriptor function)
    {
        var route = (function.String("route") ?? function.Name).Trim('/');
        return host.HostJson.RoutePrefix.Length == 0 ? route : $"{host.HostJson.RoutePrefix}/{route}";
    }

    public static IReadOnlyList<string> MethodsOf(FunctionDescriptor function) =>
        function.Strings("methods").Select(m => m.ToUpperInvariant()).ToArray();

    public void Publish(IEnumerable<FunctionDescriptor> functions)
    {
        var endpoints = new List<Endpoint>();
        var order = 0;
        // A disabled function is loaded (the admin API can invoke it) but not routed: 404, as the Azure host answers
        // a caller without the admin key.
        foreach (var function in functions.Where(f => f.TriggerType.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase)
            && !host.Settings.IsFunctionDisabled(f.Name)))
        {
            RoutePattern pattern;
            try
            {
                pattern = RoutePatternFactory.Parse(RouteOf(host, function));
            }
            catch (RoutePatternException exception)
            {
                // As the Azure host: a function in error does not stop the others.
                logger.LogError("The '{Name}' function is in error: its route '{Route}' is invalid: {Message}", function.Name, RouteOf(host, function), exception.Message);
                continue;
            }
            var builder = new RouteEndpointBuilder(context => forwarding.ForwardAsync(context, function), pattern, order++)
            {
                DisplayName = function.Name,
            };
            var methods = MethodsOf(function);
            if (methods.Count > 0)
            {
                builder.Metadata.Add(new HttpMethodMetadata(methods));
            }
            endpoints.Add(builder.Build());
        }
        lock (_lock)
        {
            _endpoints = endpoints;
            var previous = _changed;
            _changed = new CancellationTokenSource();
            previous.Cancel();
        }
        _published.TrySetResult();
    }
}
