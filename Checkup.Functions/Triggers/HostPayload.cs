using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Checkup.Functions.Triggers;

/// <summary>A queue message as the trigger code sees it, whoever delivered it (the Functions host or the standalone consumer).</summary>
public sealed record QueueInvocation(ReadOnlyMemory<byte> Message, long DequeueCount, string? MessageId);

/// <summary>A timer tick; <c>Last</c>/<c>Next</c> come from the host's schedule monitor when it has one.</summary>
public sealed record TimerInvocation(bool IsPastDue, DateTimeOffset? Last, DateTimeOffset? Next);

/// <summary>
/// Decodes the Functions host's JSON payload protocol (<c>{"Data": {binding: value}, "Metadata": {...}}</c>) as
/// functions-host-contract.md describes it: with <c>dataType: binary</c> a queue message is plain base64 of its
/// bytes; otherwise it is a JSON string encoded a second time. Metadata strings and numbers are double-encoded too.
/// </summary>
public static class HostPayload
{
    public static bool TryReadQueue(JsonElement root, string binding, out QueueInvocation invocation, out string problem)
    {
        invocation = null!;
        if (!TryGetData(root, binding, out var value, out problem))
        {
            return false;
        }

        if (MessageBytes(value) is not { } bytes)
        {
            problem = $"Data.{binding} is neither base64 bytes nor a (double-encoded) UTF-8 string.";
            return false;
        }

        var metadata = root.TryGetProperty("Metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        var dequeueCount = Scalar(metadata, "DequeueCount") is { } count && long.TryParse(count, CultureInfo.InvariantCulture, out var n) ? n : 1;
        invocation = new QueueInvocation(bytes, dequeueCount, Scalar(metadata, "Id"));
        return true;
    }

    public static bool TryReadTimer(JsonElement root, string binding, out TimerInvocation invocation, out string problem)
    {
        invocation = null!;
        if (!TryGetData(root, binding, out var value, out problem))
        {
            return false;
        }

        if (value.ValueKind == JsonValueKind.String && Text(value) is { } encoded && TryParseJson(encoded) is { } inner)
        {
            value = inner; // the timer info JSON-encoded a second time
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            problem = $"Data.{binding} is not a timer info object.";
            return false;
        }

        var isPastDue = value.TryGetProperty("IsPastDue", out var pastDue) && pastDue.ValueKind == JsonValueKind.True;
        var status = value.TryGetProperty("ScheduleStatus", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        invocation = new TimerInvocation(isPastDue, Date(status, "Last"), Date(status, "Next"));
        return true;
    }

    private static bool TryGetData(JsonElement root, string binding, out JsonElement value, out string problem)
    {
        value = default;
        problem = "";
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            problem = "Expected the Functions host's payload: {\"Data\": {...}, \"Metadata\": {...}}.";
            return false;
        }

        if (!data.TryGetProperty(binding, out value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            problem = $"The payload has no Data.{binding}.";
            return false;
        }

        return true;
    }

    private static byte[]? MessageBytes(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                return Encoding.UTF8.GetBytes(value.GetRawText());
            case JsonValueKind.String:
                if (Text(value) is not { } text)
                {
                    return null;
                }

                if (text.StartsWith('"') && TryParseJson(text) is { ValueKind: JsonValueKind.String } unwrapped)
                {
                    return Encoding.UTF8.GetBytes(unwrapped.GetString()!); // double-encoded string form
                }

                if (text.StartsWith('{'))
                {
                    return Encoding.UTF8.GetBytes(text);
                }

                var buffer = new byte[text.Length];
                return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null; // binary form
            default:
                return null;
        }
    }

    /// <summary>A metadata value as text, with the second JSON encoding removed (<c>"\"abc\""</c> -> <c>abc</c>).</summary>
    private static string? Scalar(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        var text = value.ValueKind == JsonValueKind.String ? Text(value) : value.GetRawText();
        while (text is not null && text.StartsWith('"') && TryParseJson(text) is { ValueKind: JsonValueKind.String } inner)
        {
            text = inner.GetString();
        }

        return text;
    }

    /// <summary>A string's text; null when its bytes are not UTF-8 (JsonDocument finds that out only when the string is read, by throwing).</summary>
    private static string? Text(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static DateTimeOffset? Date(JsonElement parent, string name) =>
        Scalar(parent, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null;

    private static JsonElement? TryParseJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
