using System.Text.Json;
using System.Text.Json.Serialization;

namespace Checkup.Functions.Triggers;

/// <summary>What a trigger invocation did; a failure makes the host (or the standalone consumer) deliver the message again.</summary>
public sealed record TriggerResult(bool Succeeded, IReadOnlyList<string> Logs)
{
    public static TriggerResult Success(params string[] logs) => new(true, logs);
    public static TriggerResult Failure(params string[] logs) => new(false, logs);
}

/// <summary>
/// The reply the Functions host accepts for a queue or timer invocation: 2xx, <c>application/json</c>, a non-empty
/// object with PascalCase keys. <c>Outputs</c> is empty: these functions have no output bindings.
/// </summary>
public sealed record HostReply(IReadOnlyDictionary<string, object?> Outputs, IReadOnlyList<string> Logs, object? ReturnValue)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never, // "ReturnValue": null is written, not dropped
    };

    public static HostReply From(TriggerResult result) => new(new Dictionary<string, object?>(), result.Logs, null);
}
