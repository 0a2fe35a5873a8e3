using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace FunctionsHost.Rpc;

/// <summary>Channels waiting for the worker process the host launched with that worker id.</summary>
internal sealed class WorkerChannels(ILoggerFactory loggerFactory)
{
    private readonly ConcurrentDictionary<string, WorkerChannel> _channels = new();

    public WorkerChannel Create(string workerId) => _channels[workerId] = new WorkerChannel(workerId, loggerFactory);

    public void Remove(WorkerChannel channel) => _channels.TryRemove(new KeyValuePair<string, WorkerChannel>(channel.WorkerId, channel));

    public WorkerChannel? Find(string workerId) => _channels.GetValueOrDefault(workerId);
}

/// <summary>The host's side of FunctionRpc.EventStream: the worker opens it and says StartStream first.</summary>
internal sealed class FunctionRpcService(WorkerChannels channels, ILogger<FunctionRpcService> logger)
    : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return;
        }
        var first = requestStream.Current;
        if (first.ContentCase != StreamingMessage.ContentOneofCase.StartStream
            || channels.Find(first.StartStream.WorkerId) is not { } channel)
        {
            logger.LogWarning("A stream opened without StartStream for a worker this host started ({Type}); closing it.", first.ContentCase);
            return;
        }
        await channel.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}
