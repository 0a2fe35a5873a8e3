using Azure;
using Checkup.Core.Images;
using Checkup.Core.Storage;
using Checkup.Core.Submissions;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Checkup.Core.Admin;

/// <summary>The numbers operators watch. Status maps list every status, zero included.</summary>
public sealed record AdminStats(
    DateTime At,
    IReadOnlyDictionary<string, int> Submissions,
    IReadOnlyDictionary<string, int> Images,
    int ImagesGivenUp,
    PendingImage? OldestNotInCloudinary,
    RecentFailures FailuresLast24Hours,
    QueueLengths Queues);

/// <summary>The oldest image still on its way to Cloudinary; its age counts from the upload.</summary>
public sealed record PendingImage(Guid Id, string Status, DateTime CreatedAt, double AgeSeconds);

/// <summary>Images in a failure status whose last change (the failure, or a retry that failed again) was in the window.</summary>
public sealed record RecentFailures(int CloudinaryUploadFailure, int LocalUploadFailure)
{
    public int Total => CloudinaryUploadFailure + LocalUploadFailure;
}

/// <summary>Approximate message counts (what storage reports); null with <see cref="Error"/> when storage could not be asked.</summary>
public sealed record QueueLengths(int? Uploads, int? Poison, string? Error);

public sealed class AdminStatsStore(NpgsqlDataSource dataSource, StorageClients storage, ILogger<AdminStatsStore> logger)
{
    public static readonly string[] SubmissionStatuses = [Submission.Draft, Submission.Submitted];

    public static readonly string[] ImageStatuses =
    [
        ImageStatus.Uploaded, ImageStatus.SavedLocally, ImageStatus.SavedInCloudinary,
        ImageStatus.LocalUploadFailure, ImageStatus.CloudinaryUploadFailure,
    ];

    /// <summary>Statuses of images that can still reach Cloudinary (unless an operator gave up on them).</summary>
    public static readonly string[] OnTheWayToCloudinary = [ImageStatus.Uploaded, ImageStatus.SavedLocally, ImageStatus.CloudinaryUploadFailure];

    private sealed record StatusCount(string Status, int Count);

    private sealed record Counters
    {
        public DateTime Now { get; init; }
        public int GivenUp { get; init; }
        public int CloudinaryFailures { get; init; }
        public int LocalFailures { get; init; }
    }

    private sealed record Oldest
    {
        public Guid Id { get; init; }
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public double AgeSeconds { get; init; }
    }

    public async Task<AdminStats> GetAsync(CancellationToken ct)
    {
        // One round trip, one snapshot (a read-only repeatable-read transaction), so the numbers agree with each other.
        const string sql = """
            select status, count(*)::int as count from submissions group by status;
            select status, count(*)::int as count from images group by status;
            select now() as now,
                   count(*) filter (where given_up_at is not null)::int as given_up,
                   count(*) filter (where status = 'cld-upload-failure' and updated_at >= now() - interval '24 hours')::int as cloudinary_failures,
                   count(*) filter (where status = 'local-upload-failure' and updated_at >= now() - interval '24 hours')::int as local_failures
            from images;
            select id, status, created_at, extract(epoch from now() - created_at)::float8 as age_seconds
            from images
            where status = any(@pending) and given_up_at is null
            order by created_at, id
            limit 1;
            """;
        AdminStats stats;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, new { pending = OnTheWayToCloudinary }, transaction, cancellationToken: ct));
            var submissions = Complete(SubmissionStatuses, await results.ReadAsync<StatusCount>());
            var images = Complete(ImageStatuses, await results.ReadAsync<StatusCount>());
            var counters = await results.ReadSingleAsync<Counters>();
            var oldest = await results.ReadSingleOrDefaultAsync<Oldest>();
            stats = new AdminStats(counters.Now, submissions, images, counters.GivenUp,
                oldest is null ? null : new PendingImage(oldest.Id, oldest.Status, oldest.CreatedAt, oldest.AgeSeconds),
                new RecentFailures(counters.CloudinaryFailures, counters.LocalFailures),
                new QueueLengths(null, null, null));
        }

        return stats with { Queues = await QueueLengthsAsync(ct) };
    }

    private async Task<QueueLengths> QueueLengthsAsync(CancellationToken ct)
    {
        try
        {
            return new QueueLengths(await LengthAsync(storage.UploadQueue, ct), await LengthAsync(storage.PoisonQueue, ct), null);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or IOException or TimeoutException)
        {
            // The database numbers are still worth showing while storage is down.
            logger.LogWarning(e, "Admin stats: queue lengths could not be read");
            return new QueueLengths(null, null, "Storage could not be asked for the queue lengths: " + e.Message.Split('\n')[0]);
        }
    }

    private static async Task<int> LengthAsync(Azure.Storage.Queues.QueueClient queue, CancellationToken ct)
    {
        try
        {
            return (await queue.GetPropertiesAsync(ct)).Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return 0; // the host creates the poison queue with its first poison message
        }
    }

    private static Dictionary<string, int> Complete(string[] statuses, IEnumerable<StatusCount> counts)
    {
        var all = statuses.ToDictionary(s => s, _ => 0);
        foreach (var count in counts)
        {
            all[count.Status] = count.Count;
        }

        return all;
    }
}
