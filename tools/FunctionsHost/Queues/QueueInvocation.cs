using System.Text.Json;
using Azure.Storage.Queues.Models;
using FunctionsHost.Invocations;
using Google.Protobuf;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace FunctionsHost.Queues;

/// <summary>
/// The InvocationRequest for one queue message, as the Azure host's queue trigger binds it: the parameter by its
/// declared type (string, binary, or QueueMessage through deferred binding) and the message's trigger metadata.
/// </summary>
internal static class QueueInvocation
{
    public static InvocationRequest Request(FunctionDescriptor function, QueueMessage message)
    {
        var text = SafeText(message);
        var request = new InvocationRequest { InvocationId = Guid.NewGuid().ToString(), FunctionId = function.Id };
        TypedData data;
        if (string.Equals(function.BindingProperty("supportsDeferredBinding"), "true", StringComparison.OrdinalIgnoreCase))
        {
            data = new TypedData
            {
                ModelBindingData = new ModelBindingData
                {
                    Version = "1.0",
                    Source = "AzureStorageQueues",
                    ContentType = "application/json",
                    Content = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new
                    {
                        MessageId = message.MessageId,
                        PopReceipt = message.PopReceipt,
                        MessageText = text,
                        DequeueCount = message.DequeueCount,
                        NextVisibleOn = message.NextVisibleOn,
                        InsertedOn = message.InsertedOn,
                        ExpiresOn = message.ExpiresOn,
                    })),
                },
            };
        }
        else if (string.Equals(function.String("dataType"), "binary", StringComparison.OrdinalIgnoreCase))
        {
            data = new TypedData { Bytes = ByteString.CopyFrom(message.Body.ToMemory().Span) };
        }
        else
        {
            data = new TypedData { String = text };
        }
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = data });
        // As the Azure host's QueueTriggerBinding: missing times get defaults, and a null value (the id and pop
        // receipt of a message made from an admin call's input) is left out of the trigger metadata.
        request.TriggerMetadata["QueueTrigger"] = new TypedData { String = text };
        if (message.MessageId is not null)
        {
            request.TriggerMetadata["Id"] = new TypedData { String = message.MessageId };
        }
        if (message.PopReceipt is not null)
        {
            request.TriggerMetadata["PopReceipt"] = new TypedData { String = message.PopReceipt };
        }
        request.TriggerMetadata["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        request.TriggerMetadata["InsertionTime"] = new TypedData { Json = JsonSerializer.Serialize(message.InsertedOn ?? DateTimeOffset.UtcNow) };
        request.TriggerMetadata["ExpirationTime"] = new TypedData { Json = JsonSerializer.Serialize(message.ExpiresOn ?? DateTimeOffset.MaxValue) };
        request.TriggerMetadata["NextVisibleTime"] = new TypedData { Json = JsonSerializer.Serialize(message.NextVisibleOn ?? DateTimeOffset.MaxValue) };
        return request;
    }

    private static string SafeText(QueueMessage message)
    {
        try
        {
            return message.Body.ToString();
        }
        catch (ArgumentException)
        {
            return Convert.ToBase64String(message.Body.ToArray());
        }
    }
}
