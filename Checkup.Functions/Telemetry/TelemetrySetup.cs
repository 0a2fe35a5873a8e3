using Azure.Monitor.OpenTelemetry.Exporter;
using Checkup.Core.Telemetry;
using Npgsql;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Checkup.Functions.Telemetry;

/// <summary>
/// OpenTelemetry traces, metrics and logs to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set;
/// nothing at all otherwise (no listener, so the hot paths pay nothing). The upload's trace continues through the
/// queue message into ProcessImage, the Cloudinary call and the database update: one transaction in the portal.
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

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("checkup", serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing => tracing
                .AddSource(CheckupTelemetry.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != "/") // the host's readiness polls
                .AddHttpClientInstrumentation()
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
