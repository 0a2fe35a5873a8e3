using System.Text.Json;

namespace Checkup.Chaos;

/// <summary>A response read to its end (a request in flight when the host dies never gets one).</summary>
public sealed record Answer(int Status, string Body, string? ETag, bool Replayed)
{
    public JsonElement Json() => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>The problem+json <c>code</c>, when the body is one.</summary>
    public string? Code()
    {
        try
        {
            return Json() is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public override string ToString() => $"{Status} {(Body.Length > 300 ? Body[..300] + "..." : Body)}";
}

/// <summary>A client that kept retrying until its deadline without a usable answer.</summary>
public sealed class GaveUpException(string message) : Exception(message);
