using System.Diagnostics;

namespace Checkup.Core.Telemetry;

/// <summary>The app's own traces. The upload request's W3C traceparent travels in the queue message, so the
/// processing of an image joins the trace of the request that uploaded it.</summary>
public static class CheckupTelemetry
{
    public const string SourceName = "Checkup";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The W3C traceparent of the current activity, or the given fallback (e.g. the request's header) when there is none.</summary>
    public static string? CurrentTraceparent(string? fallback = null)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            return current.Id;
        }

        return fallback is not null && ActivityContext.TryParse(fallback, null, out _) ? fallback : null;
    }

    /// <summary>The trace id inside a traceparent, or null when it is missing or malformed.</summary>
    public static string? TraceIdOf(string? traceparent) =>
        traceparent is not null && ActivityContext.TryParse(traceparent, null, out var context) ? context.TraceId.ToHexString() : null;

    /// <summary>An activity whose parent is <paramref name="traceparent"/> (null when nobody listens).</summary>
    public static Activity? StartLinked(string name, ActivityKind kind, string? traceparent)
    {
        var parent = traceparent is not null && ActivityContext.TryParse(traceparent, null, isRemote: true, out var context) ? context : default;
        return Source.StartActivity(name, kind, parent);
    }
}
