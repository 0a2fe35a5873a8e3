using System.Text.Json;
using System.Text.Json.Nodes;

namespace Checkup.Tests.Infrastructure;

/// <summary>Invocation payloads exactly as functions-host-contract.md says the Functions host sends them.</summary>
public static class HostPayloads
{
    /// <summary>Queue trigger with <c>dataType: binary</c>: the message as plain base64 of its bytes, metadata double-encoded.</summary>
    public static string QueueBinary(byte[] message, int dequeueCount = 1) => new JsonObject
    {
        ["Data"] = new JsonObject { ["message"] = Convert.ToBase64String(message) },
        ["Metadata"] = QueueMetadata(dequeueCount),
    }.ToJsonString();

    /// <summary>
    /// Queue trigger without <c>binary</c>: the message text JSON-encoded a second time, and (as the host does for a JSON
    /// message) its top-level properties copied into Metadata.
    /// </summary>
    public static string QueueDoubleEncoded(string messageText, int dequeueCount = 1)
    {
        var metadata = QueueMetadata(dequeueCount);
        foreach (var (name, value) in JsonNode.Parse(messageText)!.AsObject())
        {
            metadata[name] = JsonSerializer.Serialize(value?.ToString());
        }

        return new JsonObject
        {
            ["Data"] = new JsonObject { ["message"] = JsonSerializer.Serialize(messageText) },
            ["Metadata"] = metadata,
        }.ToJsonString();
    }

    /// <summary>Timer trigger: <c>ScheduleStatus</c> null on a host without a schedule monitor.</summary>
    public static string Timer(bool withScheduleStatus, bool isPastDue)
    {
        var now = DateTimeOffset.UtcNow;
        return new JsonObject
        {
            ["Data"] = new JsonObject
            {
                ["timer"] = new JsonObject
                {
                    ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
                    ["ScheduleStatus"] = withScheduleStatus
                        ? new JsonObject
                        {
                            ["Last"] = now.AddMinutes(-5).ToString("O"),
                            ["Next"] = now.AddMinutes(5).ToString("O"),
                            ["LastUpdated"] = now.AddMinutes(-5).ToString("O"),
                        }
                        : null,
                    ["IsPastDue"] = isPastDue,
                },
            },
            ["Metadata"] = new JsonObject { ["sys"] = Sys("CleanupImages") },
        }.ToJsonString();
    }

    private static JsonObject QueueMetadata(int dequeueCount)
    {
        var now = DateTimeOffset.UtcNow;
        string Seconds(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ss+00:00");
        return new JsonObject
        {
            ["DequeueCount"] = dequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ExpirationTime"] = Seconds(now.AddDays(7)),
            ["Id"] = JsonSerializer.Serialize(Guid.NewGuid().ToString()),
            ["InsertionTime"] = Seconds(now),
            ["NextVisibleTime"] = Seconds(now.AddMinutes(10)),
            ["PopReceipt"] = JsonSerializer.Serialize("MThGZWIyMDI1MDM6MDY6MjA3NjM1"),
            ["sys"] = Sys("ProcessImage"),
        };
    }

    private static JsonObject Sys(string method) => new()
    {
        ["MethodName"] = method,
        ["UtcNow"] = DateTime.UtcNow.ToString("O"),
        ["RandGuid"] = Guid.NewGuid().ToString(),
    };
}
