using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Checkup.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Checkup.Chaos;

/// <summary>The checks after the run, each a figure and a verdict, plus the figures worth knowing besides.</summary>
public sealed class Verification
{
    public sealed record Check(string Name, bool Passed, string Figures);

    // Init-only rows: Dapper maps snake_case columns onto properties, not onto constructor parameters.
    private sealed record ImageRow
    {
        public Guid Id { get; init; }
        public string Status { get; init; } = "";
        public string? CloudinaryPublicId { get; init; }
        public long? CloudinaryVersion { get; init; }
        public string? Sha256 { get; init; }
        public int Attempts { get; init; }
    }

    private sealed record SubmissionRow
    {
        public string AuthorId { get; init; } = "";
        public string Status { get; init; } = "";
        public string? Project1Name { get; init; }
        public string? Project1Description { get; init; }
        public string? Project1Role { get; init; }
        public Guid? Project1Image { get; init; }
        public string? Project2Name { get; init; }
        public string? Project2Description { get; init; }
        public string? Project2Role { get; init; }
        public Guid? Project2Image { get; init; }
        public string? Project3Name { get; init; }
        public string? Project3Description { get; init; }
        public string? Project3Role { get; init; }
        public Guid? Project3Image { get; init; }

        public Slot[] Slots =>
        [
            new(Project1Name, Project1Description, Project1Role, Project1Image),
            new(Project2Name, Project2Description, Project2Role, Project2Image),
            new(Project3Name, Project3Description, Project3Role, Project3Image),
        ];
    }

    public List<Check> Checks { get; } = [];
    public List<string> Figures { get; } = [];

    public static async Task<Verification> RunAsync(string database, string storage, CloudinaryStandIn cloudinary, IReadOnlyList<Person> people)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        await using var connection = new NpgsqlConnection(database);
        var images = (await connection.QueryAsync<ImageRow>(
            "select id, status, cloudinary_public_id, cloudinary_version, sha256, attempts from images")).ToDictionary(i => i.Id);
        var submissions = (await connection.QueryAsync<SubmissionRow>("""
            select author_id, status,
                   project_1_name, project_1_description, project_1_role, project_1_image,
                   project_2_name, project_2_description, project_2_role, project_2_image,
                   project_3_name, project_3_description, project_3_role, project_3_image
            from submissions
            """)).ToDictionary(s => s.AuthorId);
        var accepted = people.SelectMany(p => p.Images).GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First());
        var v = new Verification();

        var saved = accepted.Keys.Count(id => images.TryGetValue(id, out var row) && row.Status == "saved-cld");
        v.Checks.Add(new("every accepted image is saved-cld", saved == accepted.Count && accepted.Count > 0,
            $"{saved} of {accepted.Count} images answered 201; " + ByStatus(images.Values)));

        var refused = images.Values.Where(i => !accepted.ContainsKey(i.Id)).ToList();
        var unexplained = refused.Where(i => i.Status != "local-upload-failure").ToList();
        v.Checks.Add(new("every other row is an upload that was answered with an error", unexplained.Count == 0,
            $"{refused.Count} rows no client was given (503 during the storage outage, or cut off by a kill, then retried by the client): " +
            (unexplained.Count == 0 ? "all local-upload-failure" : "not failed: " + string.Join(", ", unexplained.Take(5).Select(i => $"{i.Id} {i.Status}")))));

        var unsettled = images.Values.Count(i => i.Status is "uploaded" or "saved-locally");
        v.Checks.Add(new("no row in uploaded/saved-locally", unsettled == 0, $"{unsettled} rows"));

        var assets = cloudinary.Assets.ToDictionary(a => a.PublicId);
        var expectedIds = images.Values.Where(i => i.Status == "saved-cld").ToDictionary(i => $"checkup/{i.Id}");
        var missing = expectedIds.Keys.Count(id => !assets.ContainsKey(id));
        var strays = assets.Keys.Count(id => !expectedIds.ContainsKey(id));
        // The row keeps the hash of the bytes sent; Cloudinary gets their copy without metadata, with the same pixels.
        var mismatched = expectedIds.Count(e => assets.TryGetValue(e.Key, out var a) &&
            (a.Version != e.Value.CloudinaryVersion || e.Value.CloudinaryPublicId != e.Key ||
             (accepted.TryGetValue(e.Value.Id, out var sent) && (sent.Sha256 != e.Value.Sha256 || !SamePixels(sent.Bytes, cloudinary.Content(e.Key))))));
        v.Checks.Add(new("exactly one Cloudinary asset per image, with the pixels sent", missing == 0 && strays == 0 && mismatched == 0,
            $"{assets.Count} assets for {expectedIds.Count} saved images: missing {missing}, without an image {strays}, pixels or version differing {mismatched}; " +
            $"pushed more than once {assets.Values.Count(a => a.Versions > 1)} (most versions of one asset {assets.Values.Select(a => a.Versions).DefaultIfEmpty(0).Max()})"));

        var (committed, uncommitted) = await StagedBlobsAsync(storage);
        v.Checks.Add(new("no staged blob left", committed.Count == 0,
            $"{committed.Count} blobs{(committed.Count > 0 ? ": " + string.Join(", ", committed.Take(5)) : "")} " +
            $"(and {uncommitted} uploads' uncommitted blocks, invisible and collected by storage after 7 days)"));

        var submitted = people.Where(p => p.Submitted is not null).ToList();
        var intact = submitted.Count(p => submissions.TryGetValue(p.Sub, out var row) && row.Status == "submitted" && row.Slots.SequenceEqual(p.Submitted!));
        v.Checks.Add(new("every submit answered 200 is submitted with its data intact", intact == submitted.Count,
            $"{intact} of {submitted.Count} intact"));
        v.Checks.Add(new("every person submitted", submitted.Count == people.Count,
            $"{submitted.Count} of {people.Count}{string.Concat(people.Where(p => p.Failure is not null).Take(3).Select(p => "; " + p.Failure))}"));

        var poison = (await new QueueClient(storage, ChaosRun.UploadQueue + "-poison").GetPropertiesAsync()).Value.ApproximateMessagesCount;
        v.Figures.Add($"attempts per saved image: max {images.Values.Where(i => i.Status == "saved-cld").Select(i => i.Attempts).DefaultIfEmpty(0).Max()}, " +
                      $"images that failed at least once {images.Values.Count(i => i.Status == "saved-cld" && i.Attempts > 0)}; messages in the poison queue {poison}");
        return v;
    }

    private static bool SamePixels(byte[] sent, byte[]? stored)
    {
        if (stored is null)
        {
            return false;
        }

        using var a = NetVips.Image.NewFromBuffer(sent);
        using var b = NetVips.Image.NewFromBuffer(stored);
        if ((a.Width, a.Height, a.Bands) != (b.Width, b.Height, b.Bands))
        {
            return false;
        }

        using var difference = (a - b).Abs();
        return difference.Max() == 0;
    }

    private static string ByStatus(IEnumerable<ImageRow> rows) =>
        "rows by status: " + string.Join(", ", rows.GroupBy(r => r.Status).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));

    private static async Task<(List<string> Committed, int Uncommitted)> StagedBlobsAsync(string storage)
    {
        var container = new BlobContainerClient(storage, ChaosRun.StagingContainer);
        var committed = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            committed.Add(blob.Name);
        }

        var all = 0;
        await foreach (var _ in container.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Uncommitted }))
        {
            all++;
        }

        return (committed, all - committed.Count);
    }
}
