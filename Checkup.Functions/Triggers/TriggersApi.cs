using System.Text.Json;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Checkup.Functions.Triggers;

/// <summary>
/// The queue and timer functions as the Functions host calls them: POST /&lt;FunctionName&gt; with its JSON
/// payload. Thin: decode the payload, call the trigger, answer the JSON the host expects. A failure answers 500
/// (after logging it: the host drops a failed reply's Logs), so the host retries the message.
/// </summary>
public static class TriggersApi
{
    public static IEndpointRouteBuilder MapTriggers(this IEndpointRouteBuilder app)
    {
        app.MapPost("/ProcessImage", ProcessImage).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/CleanupImages", CleanupImages).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<JsonHttpResult<HostReply>, ProblemHttpResult>> ProcessImage(
        HttpRequest request, ProcessImageTrigger trigger, ILogger<ProcessImageTrigger> logger, CancellationToken ct)
    {
        using var payload = await ReadAsync(request, ct);
        if (payload is null)
        {
            return BadPayload("The body is not JSON.");
        }

        if (!HostPayload.TryReadQueue(payload.RootElement, "message", out var invocation, out var problem))
        {
            return BadPayload(problem);
        }

        return await RunAsync(() => trigger.InvokeAsync(invocation, ct), logger, "ProcessImage", ct);
    }

    public static async Task<Results<JsonHttpResult<HostReply>, ProblemHttpResult>> CleanupImages(
        HttpRequest request, CleanupImagesTrigger trigger, ILogger<CleanupImagesTrigger> logger, CancellationToken ct)
    {
        using var payload = await ReadAsync(request, ct);
        if (payload is null)
        {
            return BadPayload("The body is not JSON.");
        }

        if (!HostPayload.TryReadTimer(payload.RootElement, "timer", out var timer, out var problem))
        {
            return BadPayload(problem);
        }

        return await RunAsync(() => trigger.InvokeAsync(timer, ct), logger, "CleanupImages", ct);
    }

    private static async Task<Results<JsonHttpResult<HostReply>, ProblemHttpResult>> RunAsync(
        Func<Task<TriggerResult>> invoke, ILogger logger, string function, CancellationToken ct)
    {
        TriggerResult result;
        try
        {
            result = await invoke();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogError(e, "{Function} failed; the host will retry it", function);
            result = TriggerResult.Failure($"{function} failed: {e.GetType().Name}: {e.Message}");
        }

        return TypedResults.Json(HostReply.From(result), HostReply.Json, "application/json",
            result.Succeeded ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError);
    }

    private static async Task<JsonDocument?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ProblemHttpResult BadPayload(string detail) =>
        Problem.Status(StatusCodes.Status400BadRequest, "bad_request", "Not a Functions host payload", detail);
}
