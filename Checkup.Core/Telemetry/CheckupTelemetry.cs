using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Checkup.Core.Telemetry;

/// <summary>The app's own traces and metrics. The upload request's W3C traceparent travels in the queue message, so the
/// processing of an image joins the trace of the request that uploaded it. Exported only when Application Insights
/// is configured (Checkup.Functions/Telemetry); without a listener these cost next to nothing.</summary>
public static class CheckupTelemetry
{
    public const string SourceName = "Checkup";
    public const string MeterName = "Checkup";

    public static readonly ActivitySource Source = new(SourceName);
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Images per status, as the last cleanup run counted them (tag <c>status</c>).</summary>
    public static readonly Gauge<long> ImagesByStatus = Meter.CreateGauge<long>("checkup.images", "{image}", "Images by status, counted by each cleanup run.");

    /// <summary>POST /api/images from the first byte to the answer (tag <c>outcome</c>).</summary>
    public static readonly Histogram<double> UploadDuration = Meter.CreateHistogram<double>("checkup.image.upload.duration", "s", "Image upload: request to answer.");

    /// <summary>One ProcessImage invocation, Cloudinary push included (tag <c>outcome</c>).</summary>
    public static readonly Histogram<double> ProcessDuration = Meter.CreateHistogram<double>("checkup.image.process.duration", "s", "ProcessImage: one invocation.");

    /// <summary>Failed Cloudinary pushes (tags <c>class</c>: retryable or permanent; <c>status</c>: HTTP status or none).</summary>
    public static readonly Counter<long> CloudinaryFailures = Meter.CreateCounter<long>("checkup.cloudinary.failures", "{failure}", "Failed Cloudinary pushes by class.");

    /// <summary>What cleanup runs did (tag <c>action</c>).</summary>
    public static readonly Counter<long> CleanupActions = Meter.CreateCounter<long>("checkup.cleanup.actions", "{image}", "Cleanup actions by kind.");

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

    /// <summary>
    /// An activity whose parent is <paramref name="traceparent"/> (null when nobody listens). When that moves it out of
    /// the current trace (a queue invocation runs in a trace the host started for it), it links back to the current
    /// activity, so the invocation and the upload's transaction lead to each other.
    /// </summary>
    public static Activity? StartLinked(string name, ActivityKind kind, string? traceparent)
    {
        var parent = traceparent is not null && ActivityContext.TryParse(traceparent, null, isRemote: true, out var context) ? context : default;
        var current = Activity.Current;
        var links = current is not null && parent != default && current.TraceId != parent.TraceId
            ? new[] { new ActivityLink(current.Context) }
            : null;
        return Source.StartActivity(name, kind, parent, links: links);
    }
}
