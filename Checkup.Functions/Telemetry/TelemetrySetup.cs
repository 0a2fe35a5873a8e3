using Azure.Monitor.OpenTelemetry.Exporter;
using Checkup.Core.Telemetry;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Checkup.Functions.Telemetry;

/// <summary>
/// OpenTelemetry traces, metrics and logs to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set;
/// nothing at all otherwise (no listener, so the hot paths pay nothing). The upload's trace continues through the
/// queue message into ProcessImage, the Cloudinary call and the database update: one transaction in the portal.
/// <c>UseFunctionsWorkerDefaults</c> makes each invocation's span (the worker's <c>Invoke</c>) a child of the host's
/// invocation, adds the Functions resource attributes (cloud.role is the app's name) and tells the host, which runs
/// with <c>"telemetryMode": "OpenTelemetry"</c> in host.json, not to export the worker's logs a second time.
/// </summary>
public static class TelemetrySetup
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static TBuilder AddCheckupTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return builder;
        }

        void Exporter(AzureMonitorExporterOptions o) => o.ConnectionString = connectionString;

        // The Functions resource detector names the service after the app (WEBSITE_SITE_NAME), as the host's own
        // telemetry does, so the portal's role is the Function App's name for both.
        builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing
                .AddSource(CheckupTelemetry.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != "/") // the host's readiness polls
                // Not the worker's own gRPC stream to the host: one long call per worker, not a dependency of anything.
                .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = request =>
                    request.RequestUri?.AbsolutePath.StartsWith("/AzureFunctionsRpcMessages.", StringComparison.Ordinal) != true)
                .AddNpgsql()
                .AddAzureMonitorTraceExporter(Exporter)
                // Every trace, whole: the exporter's default rate-limited sampler drops a quiet app's first requests, and
                // an upload must be one transaction from request to Cloudinary. A form backend's volume allows it.
                .SetSampler(new ParentBasedSampler(new AlwaysOnSampler())))
            .WithMetrics(metrics => metrics
                .AddMeter(CheckupTelemetry.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddAzureMonitorMetricExporter(Exporter));
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true; // the alert queries read the message text
            logging.IncludeScopes = true;
            logging.AddAzureMonitorLogExporter(Exporter);
        });
        return builder;
    }
}
