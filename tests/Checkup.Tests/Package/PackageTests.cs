using System.IO.Compression;
using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using Checkup.Core.Cloudinary;
using Checkup.Core.Images;
using Checkup.Tests.Auth;
using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Package;

/// <summary>
/// The zip that gets deployed (runtime dotnet-isolated), checked as the Functions host will see it, and run under the
/// local Functions host from its unpacked files (on Linux, like the package).
/// </summary>
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
    public void Zip_has_the_isolated_worker_files_and_the_executable_with_its_run_bit_at_the_root_and_no_function_json()
    {
        using var zip = ZipFile.OpenRead(package.Zip);
        var entries = zip.Entries.ToDictionary(e => e.FullName);

        foreach (var file in new[] { "host.json", "functions.metadata", "worker.config.json", "extensions.json" })
        {
            Assert.Contains(file, entries.Keys);
        }

        Assert.Contains(entries.Keys, e => e.StartsWith(".azurefunctions/", StringComparison.Ordinal));
        Assert.DoesNotContain(entries.Keys, e => Path.GetFileName(e) == "function.json"); // the worker describes its functions itself
        Assert.DoesNotContain(entries.Keys, e => e.StartsWith("FunctionApp/", StringComparison.Ordinal));
        Assert.DoesNotContain(entries.Keys, e => e.EndsWith("local.settings.json", StringComparison.Ordinal));
        Assert.False(Json("host.json").TryGetProperty("customHandler", out _), "host.json still describes a custom handler");

        var mode = (UnixFileMode)((entries[PublishedPackage.Executable].ExternalAttributes >> UnixModeShift) & 0x1FF);
        Assert.True(mode.HasFlag(UnixFileMode.UserExecute), $"the executable is stored with mode {mode}");
        Assert.True(File.GetUnixFileMode(Path.Combine(package.Unpacked, PublishedPackage.Executable)).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public void Worker_config_starts_the_packaged_executable_as_a_dotnet_isolated_worker()
    {
        var description = Json("worker.config.json").GetProperty("description");

        Assert.Equal("dotnet-isolated", description.GetProperty("language").GetString());
        Assert.Equal("{WorkerRoot}" + PublishedPackage.Executable, description.GetProperty("defaultExecutablePath").GetString());
        Assert.Equal("true", description.GetProperty("workerIndexing").GetString());
    }

    [Fact]
    public void Functions_metadata_lists_the_functions_of_the_build_with_the_queue_and_timer_triggers()
    {
        var packaged = Functions(Json("functions.metadata"));
        var built = Functions(JsonDocument.Parse(File.ReadAllText(Path.Combine(PublishedPackage.BuildOutput, "functions.metadata"))).RootElement);

        Assert.Equal(built.Keys.Order(), packaged.Keys.Order());
        Assert.Equal("queueTrigger", packaged["ProcessImage"].GetProperty("type").GetString());
        Assert.Equal("%Storage:UploadQueue%", packaged["ProcessImage"].GetProperty("queueName").GetString());
        Assert.Equal("timerTrigger", packaged["CleanupImages"].GetProperty("type").GetString());
        Assert.All(packaged.Where(f => f.Key is not ("ProcessImage" or "CleanupImages")), f => Assert.Equal("httpTrigger", f.Value.GetProperty("type").GetString()));
    }

    [Fact]
    public void Extensions_json_names_the_queue_extension_and_every_assembly_it_names_is_in_the_package()
    {
        var extensions = Json("extensions.json").GetProperty("extensions").EnumerateArray().ToList();

        Assert.Contains(extensions, e => e.GetProperty("name").GetString() == "AzureStorageQueues");
        Assert.All(extensions, e => Assert.True(
            File.Exists(Path.Combine(package.Unpacked, e.GetProperty("hintPath").GetString()!)),
            $"extensions.json names {e.GetProperty("hintPath").GetString()}, which the package lacks"));
    }

    [Fact]
    public void Package_is_self_contained_for_linux_x64()
    {
        var runtimeConfig = Json("Checkup.Functions.runtimeconfig.json");

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
        var properties = Json("Checkup.Functions.runtimeconfig.json").GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    [Fact]
    public async Task Unpacked_package_under_the_functions_host_runs_its_own_executable_and_answers_health()
    {
        var app = await package.RunningAsync();

        // The host started the worker from the package's worker.config.json: the self-contained executable, not `dotnet`.
        Assert.Equal(Path.Combine(package.Unpacked, PublishedPackage.Executable), new FileInfo($"/proc/{app.WorkerProcessId}/exe").LinkTarget);
        using var health = await app.CreateClient().GetAsync("/api/health");
        var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;

        Assert.True(health.StatusCode == HttpStatusCode.OK, $"GET /api/health answered {(int)health.StatusCode}: {body}\n{app.Output}");
        Assert.Equal("healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unpacked_package_takes_an_upload_and_its_queue_message_brings_the_image_to_cloudinary()
    {
        var app = await package.RunningAsync();

        using var upload = await UploadAsync(app, Users.New(), TestImages.Png());
        var created = await upload.Content.ReadAsStringAsync();
        Assert.True(upload.StatusCode == HttpStatusCode.Created, $"{(int)upload.StatusCode}: {created}\n{app.Output}");
        var id = JsonDocument.Parse(created).RootElement.GetProperty("id").GetGuid();

        // The upload's message goes through the real queue to ProcessImage, which the host triggers.
        var row = await ImagePipeline.WaitForStatusAsync(app.Services, id, ImageStatus.SavedInCloudinary, TimeSpan.FromSeconds(90));
        Assert.True(row.Status == ImageStatus.SavedInCloudinary, $"image {id} is {row.Status} ({row.Error})\n{app.Output}");
        Assert.NotNull(app.Cloudinary.Asset(CloudinaryClient.PublicIdFor(id)));
        // The row is written before the function returns; the host prints its line when it does.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!app.Output.Contains("Executed 'Functions.ProcessImage' (Succeeded", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Contains("Executed 'Functions.ProcessImage' (Succeeded", app.Output);
    }

    [Fact]
    public async Task Unpacked_package_decodes_images_with_the_libvips_it_carries()
    {
        var app = await package.RunningAsync();
        var owner = Users.New();

        // A PNG that has only its header is refused at upload because libvips (loaded from the package) cannot decode it.
        using var truncated = await UploadAsync(app, owner, TestImages.TruncatedPng());

        var body = await truncated.Content.ReadAsStringAsync();
        Assert.True(truncated.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{(int)truncated.StatusCode}: {body}\n{app.Output}");
        Assert.Contains("does not decode", body);
    }

    private JsonElement Json(string file) => JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Unpacked, file))).RootElement.Clone();

    /// <summary>Each function's trigger binding, by function name.</summary>
    private static Dictionary<string, JsonElement> Functions(JsonElement metadata) =>
        metadata.EnumerateArray().ToDictionary(
            f => f.GetProperty("name").GetString()!,
            f => f.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).Clone());

    private static async Task<HttpResponseMessage> UploadAsync(PackagedApp app, string owner, byte[] image)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new("image/png");
        form.Add(file, "file", "photo.png");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/images") { Content = form };
        request.Headers.Authorization = new("Bearer", Tokens.Valid(owner));
        using var client = app.CreateClient();
        return await client.SendAsync(request);
    }
}
