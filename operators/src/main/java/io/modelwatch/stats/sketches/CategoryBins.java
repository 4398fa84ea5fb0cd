package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bins of a categorical feature: the reference's most frequent categories, one bin each, plus
 * one OTHER bin for every other value, including categories never seen in the reference. Capping
 * the bins keeps a 300-category feature from having 299 degrees of freedom of pure sampling
 * noise, and the OTHER bin is where a new category shows up.
 *
 * <p>The reference proportions must be exact, or the chi-square test sees the sketch's error as
 * drift once windows are large. Space-Saving ({@link TopKCounter}) counts an item exactly when
 * it was tracked from its first occurrence ({@code error == 0}); {@link #fromCounter} makes bins
 * only of those, so every bin's proportion, and OTHER's as the remainder, is exact. Frequent
 * categories always qualify: they arrive before the counters fill and are never evicted.
 */
public final class CategoryBins {
    private static final byte FORMAT = 1;

    private final String[] categories;
    private final double[] proportions;
    private transient Map<String, Integer> index;

    public CategoryBins(String[] categories, double[] proportions) {
        if (proportions.length != categories.length + 1) {
            throw new IllegalArgumentException("need one proportion per category plus OTHER");
        }
        this.categories = categories;
        this.proportions = proportions;
    }

    /**
     * The {@code maxBins} most frequent reference categories whose counts are exact; OTHER holds
     * the rest of the mass.
     */
    public static CategoryBins fromCounter(TopKCounter reference, int maxBins) {
        List<ItemCount> top = new ArrayList<>(maxBins);
        for (ItemCount c : reference.top(reference.size())) {
            if (top.size() == maxBins) {
                break;
            }
            if (reference.error(c.item()) == 0) {
                top.add(c);
            }
        }
        double total = reference.total();
        String[] cats = new String[top.size()];
        double[] props = new double[top.size() + 1];
        double covered = 0;
        for (int i = 0; i < top.size(); i++) {
            cats[i] = top.get(i).item();
            props[i] = top.get(i).count() / total;
            covered += props[i];
        }
        props[top.size()] = Math.max(0, 1 - covered);
        return new CategoryBins(cats, props);
    }

    public int binCount() {
        return categories.length + 1;
    }

    public int binOf(String value) {
        if (index == null) {
            Map<String, Integer> m = new HashMap<>(categories.length * 2);
            for (int i = 0; i < categories.length; i++) {
                m.put(categories[i], i);
            }
            index = m;
        }
        Integer i = index.get(value);
        return i != null ? i : categories.length;
    }

    public String[] categories() {
        return categories.clone();
    }

    public double[] referenceProportions() {
        return proportions.clone();
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(categories.length);
        for (String c : categories) {
            out.writeUTF(c);
        }
        for (double p : proportions) {
            out.writeDouble(p);
        }
    }

    public static CategoryBins readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("CategoryBins: unknown format " + format);
        }
        int n = in.readInt();
        String[] cats = new String[n];
        for (int i = 0; i < n; i++) {
            cats[i] = in.readUTF();
        }
        double[] props = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            props[i] = in.readDouble();
        }
        return new CategoryBins(cats, props);
    }
}
