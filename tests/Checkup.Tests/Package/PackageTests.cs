using System.IO.Compression;
using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Checkup.Tests.Auth;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Package;

/// <summary>The zip that gets deployed, checked as the Functions host will see it (on Linux, like the package).</summary>
[SupportedOSPlatform("linux")]
public sealed class PackageTests(PublishedPackage package) : IClassFixture<PublishedPackage>
{
    private const int UnixModeShift = 16; // zip external attributes keep the unix mode in the high 16 bits

    [Fact]
    public void Publish_produces_the_zip()
    {
        Assert.True(package.Publish.ExitCode == 0, "tools/publish.sh failed:\n" + package.Publish.Output);
        Assert.True(File.Exists(package.Zip));
    }

    [Fact]
    public void Zip_has_host_json_every_function_folder_and_the_executable_with_its_run_bit_at_the_root()
    {
        using var zip = ZipFile.OpenRead(package.Zip);
        var entries = zip.Entries.ToDictionary(e => e.FullName);

        Assert.Contains("host.json", entries.Keys);
        Assert.All(PublishedPackage.Functions(), name => Assert.Contains($"{name}/function.json", entries.Keys));
        Assert.DoesNotContain(entries.Keys, e => e.StartsWith("FunctionApp/", StringComparison.Ordinal));
        Assert.DoesNotContain(entries.Keys, e => e.EndsWith("local.settings.json", StringComparison.Ordinal));

        var mode = (UnixFileMode)((entries[PublishedPackage.Executable].ExternalAttributes >> UnixModeShift) & 0x1FF);
        Assert.True(mode.HasFlag(UnixFileMode.UserExecute), $"the executable is stored with mode {mode}");
        Assert.True(File.GetUnixFileMode(Path.Combine(package.Unpacked, PublishedPackage.Executable)).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public void Package_is_self_contained_for_linux_x64()
    {
        var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Unpacked, "Checkup.Functions.runtimeconfig.json"))).RootElement;

        // A framework-dependent app names "frameworks" to look up on the machine; a self-contained one "includedFrameworks".
        Assert.True(runtimeConfig.GetProperty("runtimeOptions").TryGetProperty("includedFrameworks", out _));
        Assert.True(File.Exists(Path.Combine(package.Unpacked, "libcoreclr.so")));
        Assert.True(File.Exists(Path.Combine(package.Unpacked, "Microsoft.AspNetCore.dll")));
    }

    [Fact]
    public void Package_runs_with_thread_pool_spinning_off()
    {
        // Checkup.Functions/runtimeconfig.template.json: idle pool threads spinning (sched_yield) took a fifth of the
        // handler's CPU under autosave load, CPU that PostgreSQL on the same cores needed (bench/run, autosave).
        var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Unpacked, "Checkup.Functions.runtimeconfig.json"))).RootElement;
        var properties = runtimeConfig.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    [Fact]
    public async Task Unpacked_handler_started_as_the_host_starts_it_answers_root_and_forwarded_health_and_leaves_the_queue_to_the_host()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var uploadQueue = "pkg-uploads-" + suffix;
        var stagingContainer = "pkg-staging-" + suffix;
        var queue = new QueueServiceClient(TestEnvironment.Storage).GetQueueClient(uploadQueue);
        await queue.CreateIfNotExistsAsync();
        var waiting = await queue.SendMessageAsync("""{"imageId":"00000000-0000-0000-0000-000000000000"}""");
        await using var handler = await HandlerProcess.StartAsync(package.Unpacked, TestEnvironment.UnusedPort(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = TestEnvironment.Postgres,
            ["AzureWebJobsStorage"] = TestEnvironment.Storage,
            ["Storage__StagingContainer"] = stagingContainer,
            ["Storage__UploadQueue"] = uploadQueue,
            ["CLOUDINARY_URL"] = "cloudinary://package-key:package-secret@checkup-package",
            ["Auth__SigningKey"] = CheckupFactory.SigningKey,
            ["Auth__Issuer"] = CheckupFactory.Issuer,
            ["Auth__Audience"] = CheckupFactory.Audience,
            ["Auth__Authority"] = null,
            ["Triggers__Standalone"] = null, // whatever the default: the host's port alone must switch the triggers off
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_ENVIRONMENT"] = null,
        });

        // What the host forwards: the original path, Host header and its own headers.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        request.Headers.Host = "checkup-func.azurewebsites.net";
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        request.Headers.Add("X-Azure-Functions-HostVersion", "4.1040.300.0");
        using var health = await handler.Client.SendAsync(request);
        var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;

        Assert.True(health.StatusCode == HttpStatusCode.OK, $"GET /api/health answered {(int)health.StatusCode}: {body}\n{handler.Output}");
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Contains($"Running under the Functions host (port {handler.Port}): queue and timer triggers arrive from the host", handler.Output);
        Assert.DoesNotContain("triggers run in-process", handler.Output);
        var stillQueued = (await queue.PeekMessagesAsync(maxMessages: 32)).Value;
        Assert.Contains(stillQueued, m => m.MessageId == waiting.Value.MessageId && m.DequeueCount == 0); // nobody in the process took it
        await queue.DeleteIfExistsAsync();
        await new BlobServiceClient(TestEnvironment.Storage).GetBlobContainerClient(stagingContainer).DeleteIfExistsAsync();
    }
    [Fact]
    public async Task Unpacked_handler_decodes_images_with_the_libvips_it_carries()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var stagingContainer = "pkg-staging-" + suffix;
        await using var handler = await HandlerProcess.StartAsync(package.Unpacked, TestEnvironment.UnusedPort(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = TestEnvironment.Postgres,
            ["AzureWebJobsStorage"] = TestEnvironment.Storage,
            ["Storage__StagingContainer"] = stagingContainer,
            ["Storage__UploadQueue"] = "pkg-uploads-" + suffix,
            ["CLOUDINARY_URL"] = "cloudinary://package-key:package-secret@checkup-package",
            ["Auth__SigningKey"] = CheckupFactory.SigningKey,
            ["Auth__Issuer"] = CheckupFactory.Issuer,
            ["Auth__Audience"] = CheckupFactory.Audience,
            ["Auth__Authority"] = null,
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_ENVIRONMENT"] = null,
        });
        var owner = Users.New();

        // Both are small enough to be decoded at upload: the first decodes, the second only has a PNG's header.
        using var decodes = await UploadAsync(handler.Client, owner, TestImages.Png());
        using var truncated = await UploadAsync(handler.Client, owner, TestImages.TruncatedPng());

        Assert.True(decodes.StatusCode == HttpStatusCode.Created, $"{(int)decodes.StatusCode}: {await decodes.Content.ReadAsStringAsync()}\n{handler.Output}");
        Assert.True(truncated.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{(int)truncated.StatusCode}: {await truncated.Content.ReadAsStringAsync()}\n{handler.Output}");
        Assert.Contains("does not decode", await truncated.Content.ReadAsStringAsync());
        await new BlobServiceClient(TestEnvironment.Storage).GetBlobContainerClient(stagingContainer).DeleteIfExistsAsync();
    }

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string owner, byte[] image)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new("image/png");
        form.Add(file, "file", "photo.png");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/images") { Content = form };
        request.Headers.Authorization = new("Bearer", Tokens.Valid(owner));
        return await client.SendAsync(request);
    }
}
